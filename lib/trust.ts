/**
 * The trust policy: which installed packages may provide plugins. Discovery
 * finds every package that declares entry points; an application that must
 * not run code from a package that merely happens to be installed (a
 * transitive dependency, a global package, something dropped into
 * node_modules) lists the packages it trusts, and the others are refused
 * before anything of theirs is required.
 *
 * A discovered package is identified by the name it is installed under (the
 * folder name `require()` resolves), not by the `name` in its own
 * package.json, which any package can set to anything. A bundled entry point
 * is judged by the installed name recorded when the bundle was built.
 *
 * One implementation serves both ways of asking: a manager's `trust` option
 * and `trustPolicy(registry, ...)`; managers consult both before loading.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EntryPoint } from './entry-point';
import type { Registry } from './registry';
import { debug, describeEntryPoint, entryPointSubject, firstLine, reportOnce } from './diagnostics';
import { errorMessage } from './describe-error';

/** Called for each refused entry point instead of the `STEVEDORE_UNTRUSTED` warning. */
export type OnRefusedCallback = (entryPoint: EntryPoint, reason: string) => void;

/**
 * Which packages may provide entry points. `'dependencies'` is short for
 * `{ dependencies: true }`. The application's own package.json and entry
 * points added with `registry.register()` are always trusted.
 */
export type TrustPolicy =
  | 'dependencies'
  | {
      /** Installed names (`trove-ext-sample`) or whole scopes (`@acme/*`) that may provide entry points. */
      packages?: readonly string[];
      /**
       * Also trust the root package's direct dependencies: the names in its
       * `dependencies`, `optionalDependencies`, `peerDependencies` and `devDependencies`.
       */
      dependencies?: boolean;
      /** Called for each refusal instead of emitting the `STEVEDORE_UNTRUSTED` warning. */
      onRefused?: OnRefusedCallback;
    };

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'];
const SCOPE_PATTERN = /^@[^/*]+\/\*$/;

/** Decides, for one registry and one policy, whether an entry point may be loaded. */
export class TrustChecker {
  private readonly exact = new Set<string>();
  private readonly scopes: string[] = [];
  private readonly listed: string[] = [];
  private readonly useDependencies: boolean;
  private readonly onRefused: OnRefusedCallback | undefined;
  private dependencies: Set<string> | null = null;

  /**
   * @param registry The registry whose packages the entry points come from.
   * @param policy Which packages to trust; see {@link TrustPolicy}.
   */
  constructor(
    private readonly registry: Registry,
    policy: TrustPolicy,
  ) {
    const options = policy === 'dependencies' ? { dependencies: true } : policy;
    if (typeof options !== 'object' || options === null) {
      const got = typeof policy === 'string' ? `'${policy}'` : policy === null ? 'null' : typeof policy;
      throw new TypeError(`trust policy must be 'dependencies' or { packages, dependencies }, got ${got}`);
    }
    for (const pattern of options.packages ?? []) {
      if (typeof pattern !== 'string' || pattern === '') {
        throw new TypeError(`trust policy: package patterns must be non-empty strings, got ${String(pattern)}`);
      }
      this.listed.push(pattern);
      if (SCOPE_PATTERN.test(pattern)) this.scopes.push(pattern.slice(0, -1));
      else if (pattern.includes('*')) {
        throw new TypeError(
          `trust policy: ${JSON.stringify(pattern)} is neither a package name nor a scope ("@scope/*")`,
        );
      } else this.exact.add(pattern);
    }
    this.useDependencies = options.dependencies ?? false;
    this.onRefused = 'onRefused' in options ? options.onRefused : undefined;
  }

  /** Why the entry point may not be loaded, or null when its package is trusted. */
  refusal(entryPoint: EntryPoint): string | null {
    const name = this.packageName(entryPoint);
    if (typeof name !== 'string') return name === null ? null : name.refused;
    if (this.exact.has(name) || this.scopes.some((scope) => name.startsWith(scope))) return null;
    if (this.useDependencies && this.rootDependencies().has(name)) return null;
    return this.describe(name);
  }

  /**
   * The installed name the policy judges an entry point by; null for what is
   * always trusted (the application's own package.json, in-process entry
   * points), or why it cannot be judged.
   */
  private packageName(entryPoint: EntryPoint): string | null | { refused: string } {
    switch (entryPoint.origin) {
      case 'registered':
        return null;
      case 'bundled':
        return (entryPoint as { installedAs?: string | null }).installedAs ?? null;
      case 'discovered': {
        if (!entryPoint.dist) return null;
        const record = this.registry.recordOf(entryPoint);
        if (!record) return { refused: `its package (${entryPoint.dist.root}) is not one the registry discovered` };
        return record.source === 'root' ? null : record.installedAs;
      }
    }
  }

  /** True when the entry point may be loaded; otherwise reports the refusal (once) and returns false. */
  admits(entryPoint: EntryPoint): boolean {
    const reason = this.refusal(entryPoint);
    if (reason === null) return true;
    debug.manager('refused %s: %s', entryPoint, reason);
    if (this.onRefused) {
      try {
        this.onRefused(entryPoint, reason);
      } catch (error) {
        reportOnce(
          'STEVEDORE_CALLBACK_FAILED',
          JSON.stringify(['onRefused', entryPointSubject(entryPoint)]),
          `the trust policy's onRefused callback threw for ${describeEntryPoint(entryPoint)}: ` +
            firstLine(errorMessage(error)),
          this.registry,
        );
      }
    } else {
      reportOnce(
        'STEVEDORE_UNTRUSTED',
        entryPointSubject(entryPoint),
        `Refused to load ${describeEntryPoint(entryPoint)}: ${reason}`,
        this.registry,
      );
    }
    return false;
  }

  private describe(name: string): string {
    const listed = this.listed;
    const list = `in the trusted packages (${listed.join(', ')})`;
    const dependency = `a direct dependency of the application (${path.join(this.registry.root, 'package.json')})`;
    const quoted = JSON.stringify(name);
    if (listed.length && this.useDependencies) return `the package ${quoted} is neither ${list} nor ${dependency}`;
    if (listed.length) return `the package ${quoted} is not ${list}`;
    if (this.useDependencies) return `the package ${quoted} is not ${dependency}`;
    return `the package ${quoted} is not trusted (the trust policy allows no package)`;
  }

  private rootDependencies(): Set<string> {
    if (this.dependencies) return this.dependencies;
    const names = new Set<string>();
    const file = path.join(this.registry.root, 'package.json');
    try {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      for (const field of DEPENDENCY_FIELDS) {
        const deps = manifest[field];
        if (typeof deps === 'object' && deps !== null && !Array.isArray(deps)) {
          for (const name of Object.keys(deps)) names.add(name);
        }
      }
    } catch (err) {
      debug.manager('trust policy: cannot read the dependencies in %s (%s): no dependency is trusted', file, err);
    }
    this.dependencies = names;
    return names;
  }
}

const registryPolicies = new WeakMap<Registry, { checker: TrustChecker; groups: ReadonlySet<string> | null }[]>();

/**
 * Applies a trust policy to every manager that uses `registry`: an entry
 * point of an untrusted package is never loaded (never required or
 * imported), and is reported once. `namespaces` limits the policy to those
 * groups. Returns the checker, e.g. to ask `refusal(entryPoint)` in a tool.
 *
 * ```ts
 * trustPolicy(defaultRegistry, { packages: ['@acme/*', 'trove-ext-sample'] }, { namespaces: ['trove.api.extensions'] });
 * ```
 */
export function trustPolicy(
  registry: Registry,
  policy: TrustPolicy,
  { namespaces }: { namespaces?: readonly string[] } = {},
): TrustChecker {
  const checker = new TrustChecker(registry, policy);
  const policies = registryPolicies.get(registry) ?? [];
  policies.push({ checker, groups: namespaces ? new Set(namespaces) : null });
  registryPolicies.set(registry, policies);
  return checker;
}

/** The checkers `trustPolicy()` set on a registry for a group, in the order they were set. */
export function registryTrust(registry: Registry, group: string): TrustChecker[] {
  const policies = registryPolicies.get(registry) ?? [];
  return policies.filter(({ groups }) => !groups || groups.has(group)).map(({ checker }) => checker);
}
