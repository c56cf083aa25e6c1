/**
 * The trust policy: which installed packages may provide plugins. Discovery
 * finds every package that declares entry points; an application that must
 * not run code from a package that merely happens to be installed (a
 * transitive dependency, a global package, something dropped into
 * node_modules) lists the packages it trusts, and the others are refused
 * before anything of theirs is required.
 *
 * A package is identified by the name it is installed under (the folder
 * name `require()` resolves), not by the `name` in its own package.json,
 * which any package can set to anything.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EntryPoint } from './entry-point';
import type { Registry } from './registry';
import type { PackageRecord, ScanResult } from './scan';
import { debug, warnOnce } from './diagnostics';

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
  private indexed: { scan: ScanResult; byRoot: Map<string, PackageRecord> } | null = null;

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
      throw new TypeError(`trust policy must be 'dependencies' or { packages, dependencies }, got ${String(policy)}`);
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
    if (!entryPoint.dist) return null;
    const record = this.recordFor(entryPoint.dist.root);
    if (!record) return `its package (${entryPoint.dist.root}) is not one the registry discovered`;
    if (record.source === 'root') return null;
    const name = record.installedAs;
    if (this.exact.has(name) || this.scopes.some((scope) => name.startsWith(scope))) return null;
    if (this.useDependencies && this.rootDependencies().has(name)) return null;
    return this.describe(name);
  }

  /** True when the entry point may be loaded; otherwise reports the refusal and returns false. */
  admits(entryPoint: EntryPoint): boolean {
    const reason = this.refusal(entryPoint);
    if (reason === null) return true;
    debug.manager('refused %s: %s', entryPoint, reason);
    if (this.onRefused) {
      this.onRefused(entryPoint, reason);
    } else {
      const from = entryPoint.dist ? ` from ${entryPoint.dist.name} (${entryPoint.dist.root}/package.json)` : '';
      warnOnce(
        'STEVEDORE_UNTRUSTED',
        `Refused to load '${entryPoint.name}' (${entryPoint.group}: ${entryPoint.value})${from}: ${reason}`,
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

  private recordFor(root: string): PackageRecord | undefined {
    const scan = this.registry.scan();
    if (this.indexed?.scan !== scan) {
      this.indexed = { scan, byRoot: new Map(scan.packages.map((record) => [record.dist.root, record])) };
    }
    return this.indexed.byRoot.get(root);
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

/**
 * Applies a trust policy to every manager that uses `registry`, through its
 * `beforeLoad` hook: an entry point of an untrusted package is vetoed (never
 * required) and reported. `namespaces` limits the policy to those groups.
 * Returns the checker, e.g. to ask `refusal(entryPoint)` in a tool.
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
  const groups = namespaces ? new Set(namespaces) : null;
  registry.hooks.beforeLoad.tap('stevedore-ts:trust', (entryPoint) => {
    if (groups && !groups.has(entryPoint.group)) return undefined;
    return checker.admits(entryPoint) ? undefined : false;
  });
  return checker;
}
