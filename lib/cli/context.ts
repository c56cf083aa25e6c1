/**
 * What every command works with: the root folder (checked), the Registry
 * over it, the chosen output, and the facts several commands show about an
 * entry point (its package record, shadowed copies, JSON form).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { EntryPoint } from '../entry-point';
import { Registry } from '../registry';
import { findPackageRoot } from '../locate';
import type { PackageRecord } from '../scan';
import { UsageError, rootFolder } from './args';
import type { CliIo } from './output';
import { Printer, printJson } from './output';
import { didYouMean, suggestion } from './similar';

export class Context {
  readonly printer: Printer;
  private registryInstance: Registry | null = null;

  /**
   * @param io Where output goes.
   * @param rootOption The `--root` value, if given (relative to `io.cwd`).
   * @param json Whether `--json` was given.
   * @param timeoutMs The time allowed to load one entry point.
   */
  constructor(
    readonly io: CliIo,
    private readonly rootOption: string | undefined,
    readonly json: boolean,
    readonly timeoutMs: number,
  ) {
    this.printer = new Printer(io);
  }

  /** The application's folder; throws a {@link UsageError} when it is missing or holds no package.json. */
  get root(): string {
    const root = rootFolder(this.io.cwd, this.rootOption);
    const option = this.rootOption === undefined ? 'the current folder' : `--root ${this.rootOption}`;
    try {
      statSync(path.join(root, 'package.json'));
    } catch {
      const nearest = findPackageRoot(path.dirname(root));
      const hint = nearest
        ? `; the nearest one is in ${nearest} (--root ${nearest})`
        : '; pass --root with your project folder';
      throw new UsageError(`${option} holds no package.json (${root})${hint}`);
    }
    return root;
  }

  /** The Registry over the root, as an application there would see it (on-disk cache honored). */
  get registry(): Registry {
    this.registryInstance ??= new Registry({ root: this.root });
    return this.registryInstance;
  }

  /** Prints a result: as JSON with `--json`, else by calling `text`. */
  output(json: unknown, text: () => void): void {
    if (this.json) printJson(this.io, json);
    else text();
  }

  /**
   * Reports that what was asked for does not exist (exit code 1): a line on
   * stderr, and with `--json` an `{ "error": ... }` document on stdout.
   */
  notFound(code: string, message: string, didYouMean: string[] = []): number {
    if (this.json) printJson(this.io, { error: { code, message, didYouMean } });
    this.printer.error(message);
    return 1;
  }

  /**
   * Reports a group with no entry points, with the groups its name is close
   * to; `hint` is what the command suggests doing next (after a `; `).
   */
  groupNotFound(group: string, hint: string): number {
    const close = didYouMean(group, this.registry.groups());
    const message = `no entry points in group '${group}'${suggestion(close)}${hint}${unreadableNote(this.registry)}`;
    return this.notFound('GROUP_NOT_FOUND', message, close);
  }
}

/** Why a group may be missing although it is installed: files or folders the scan could not read. */
function unreadableNote(registry: Registry): string {
  const unreadable = registry.scan().problems.filter((problem) => problem.code === 'STEVEDORE_UNREADABLE_PACKAGE');
  if (unreadable.length === 0) return '';
  const more = unreadable.length > 1 ? `, and ${unreadable.length - 1} more` : '';
  return ` (could not read ${unreadable[0].file}: ${unreadable[0].reason}${more})`;
}

/** The package record that declared an entry point (looked up by index: commands stay linear). */
export function recordOf(registry: Registry, entryPoint: EntryPoint): PackageRecord | undefined {
  return registry.recordOf(entryPoint);
}

/** An entry point of a shadowed copy of a package: declared, never loaded. */
export interface ShadowedEntry {
  name: string;
  value: string;
  package: { name: string; version: string; root: string; installedAs: string; source: string };
  /** The package that is loaded instead, when it declares entry points. */
  shadowedBy: { name: string; version: string; root: string } | null;
}

/** The entry points of `group` declared by shadowed copies of packages (each copy read once per scan). */
export function shadowedEntries(registry: Registry, group: string): ShadowedEntry[] {
  return registry.shadowedEntryPoints(group).map(({ entryPoint, installedAs, source, shadowedBy }) => ({
    name: entryPoint.name,
    value: entryPoint.value,
    package: { ...entryPoint.dist!, installedAs, source },
    shadowedBy: shadowedBy ? { ...shadowedBy } : null,
  }));
}

/** The JSON form of an entry point with its package, shared by list, show and doctor. */
export function entryPointJson(entryPoint: EntryPoint, record: PackageRecord | undefined) {
  return {
    name: entryPoint.name,
    group: entryPoint.group,
    value: entryPoint.value,
    module: entryPoint.module,
    attr: entryPoint.attr,
    extras: [...entryPoint.extras],
    package: entryPoint.dist
      ? {
          name: entryPoint.dist.name,
          version: entryPoint.dist.version,
          root: entryPoint.dist.root,
          installedAs: record?.installedAs ?? null,
          source: record?.source ?? null,
        }
      : null,
  };
}

/** `name@version`, or just the name when it has no version. */
export function packageLabel(dist: { name: string; version: string } | null): string {
  if (!dist) return '(registered in-process)';
  return dist.version ? `${dist.name}@${dist.version}` : dist.name;
}

/** The `description` in a package's package.json, or null. */
export function packageDescription(root: string): string | null {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { description?: unknown };
    return typeof manifest.description === 'string' && manifest.description.trim() ? manifest.description : null;
  } catch {
    return null;
  }
}

/** The names that occur more than once in a list of entry points. */
export function duplicateNames(entryPoints: readonly EntryPoint[]): Set<string> {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { name } of entryPoints) (seen.has(name) ? duplicates : seen).add(name);
  return duplicates;
}
