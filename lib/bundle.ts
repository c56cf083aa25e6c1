/**
 * Bundled applications: a bundle (esbuild, webpack, Rollup, a single
 * executable) has no package tree on disk to scan, so the entry points are
 * collected at build time into a generated module whose static imports the
 * bundler follows. At run time `registerBundled()` adds them to a registry,
 * and every manager works as usual.
 *
 * ```js
 * // build step, before bundling: node scripts/collect-plugins.mjs
 * writeEntryPointModule({ groups: ['app.formatters'], outFile: 'src/plugins.generated.mjs' });
 * // application code:
 * import entryPoints from './plugins.generated.mjs';
 * registerBundled(defaultRegistry, entryPoints);
 * ```
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EntryPointOrigin, ModuleFormat } from './entry-point';
import { EntryPoint, formatOf } from './entry-point';
import type { Registry } from './registry';
import { defaultRegistry } from './registry';

/** One entry point as the generated module records it, with the module it loads. */
export interface BundledEntryPointRecord {
  /** The group (namespace) it belongs to. */
  group: string;
  /** Its name within the group. */
  name: string;
  /** The declaration, `MODULE[:ATTR]`, as the package wrote it. */
  value: string;
  /** The declaring package's name and version (no folder: a bundle has none). */
  dist: { name: string; version: string } | null;
  /**
   * The name the package was installed under when the module was generated,
   * which trust policies judge it by; null for the application's own
   * package.json. Modules generated before it was recorded fall back to `dist.name`.
   */
  installedAs?: string | null;
  /** The loaded module: its namespace (ES module) or `module.exports` (CommonJS, JSON, built-in). */
  module: unknown;
}

/**
 * An entry point whose module was bundled: it loads from the record instead
 * of resolving a file. Its `origin` is `'bundled'`; `dist.root` is '', as
 * there is no package folder in a bundle.
 */
export class BundledEntryPoint<T = unknown> extends EntryPoint<T> {
  private readonly loaded: unknown;
  /** The installed name recorded at build time (see {@link BundledEntryPointRecord.installedAs}). */
  readonly installedAs: string | null;

  /** @param record One record of the generated module. */
  constructor(record: BundledEntryPointRecord) {
    const dist = record.dist ? Object.freeze({ name: record.dist.name, version: record.dist.version, root: '' }) : null;
    super(record.name, record.value, record.group, dist);
    this.loaded = record.module;
    this.installedAs = record.installedAs !== undefined ? record.installedAs : (record.dist?.name ?? null);
  }

  override get origin(): EntryPointOrigin {
    return 'bundled';
  }

  override resolve(): string {
    return `<bundled ${this.module}>`;
  }

  override resolveForImport(): string {
    return this.resolve();
  }

  override load(): T {
    return this.resolveAttr(this.loaded);
  }

  override loadAsync(): Promise<T> {
    return new Promise((resolve) => resolve(this.load()));
  }
}

/**
 * Adds the entry points of a generated module to a registry; returns a
 * function that removes them all. An entry point the registry already
 * discovered on disk (same group, name and package) is not added again, so
 * the same application code also runs unbundled, e.g. in development.
 *
 * @param registry The registry managers will use (usually `defaultRegistry`).
 * @param records The generated module's default export.
 */
export function registerBundled(registry: Registry, records: readonly BundledEntryPointRecord[]): () => void {
  const key = (group: string, name: string, dist: string | undefined): string => JSON.stringify([group, name, dist]);
  // From the scan itself: asking for every group's entry points would report every group's problems.
  const onDisk = new Set(
    registry.scan().packages.flatMap((pkg) => pkg.declarations.map(([group, name]) => key(group, name, pkg.dist.name))),
  );
  const removers = records
    .filter((record) => !onDisk.has(key(record.group, record.name, record.dist?.name)))
    .map((record) => registry.addEntryPoint(new BundledEntryPoint(record)));
  return () => removers.forEach((remove) => remove());
}

/** An entry point resolved at build time: what the generated module imports. */
export interface CollectedEntryPoint {
  /** The group (namespace) it belongs to. */
  group: string;
  /** Its name within the group. */
  name: string;
  /** The declaration, as the package wrote it. */
  value: string;
  /** The declaring package's name and version. */
  dist: { name: string; version: string } | null;
  /** The name its package is installed under; null for the application's own package.json. */
  installedAs: string | null;
  /** The absolute path of the file to import, or a built-in module's id. */
  file: string;
  /** How the file is imported: an ES module, CommonJS, JSON or a built-in. */
  format: ModuleFormat;
}

/**
 * Resolves the discovered entry points of `groups` (default: every group) to
 * files, as `load()` would. Entry points added in-process are skipped: they
 * have no file.
 */
export function collectEntryPoints(registry: Registry, groups?: readonly string[]): CollectedEntryPoint[] {
  const wanted = groups ?? registry.groups();
  const collected: CollectedEntryPoint[] = [];
  for (const group of wanted) {
    for (const entryPoint of registry.entryPoints(group)) {
      const record = registry.recordOf(entryPoint);
      if (!record) continue;
      const file = entryPoint.resolve();
      const dist = { name: record.dist.name, version: record.dist.version };
      const installedAs = record.source === 'root' ? null : record.installedAs;
      const { name, value } = entryPoint;
      collected.push({ group, name, value, dist, installedAs, file, format: formatOf(file) });
    }
  }
  return collected;
}

// TypeScript sources are ES modules to a bundler, whatever the package's type.
const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.jsx']);

/**
 * The text of an ES module that statically imports every collected entry
 * point and default-exports their records for {@link registerBundled}.
 *
 * @param collected From {@link collectEntryPoints}.
 * @param outDir The folder the module will be written to: imports are relative to it.
 */
export function generateEntryPointModule(collected: readonly CollectedEntryPoint[], outDir: string): string {
  const imports: string[] = [];
  const records: string[] = [];
  // One import per module, however many entry points name it.
  const ids = new Map<string, string>();
  collected.forEach((entry, index) => {
    if (entry.format === 'addon') {
      throw new Error(
        `entry point '${entry.name}' in group '${entry.group}' is a native addon (${entry.file}), which cannot be bundled`,
      );
    }
    let id = ids.get(entry.file);
    if (id === undefined) {
      id = `m${index}`;
      ids.set(entry.file, id);
      const from = JSON.stringify(entry.format === 'builtin' ? entry.file : importPath(outDir, entry.file));
      if (entry.format === 'module' || SOURCE_EXTENSIONS.has(path.extname(entry.file))) {
        imports.push(`import * as ${id} from ${from};`);
      } else if (entry.format === 'json') {
        imports.push(`import ${id} from ${from} with { type: 'json' };`);
      } else {
        // CommonJS and built-ins: the default import is module.exports, what require() returns.
        imports.push(`import ${id} from ${from};`);
      }
    }
    const { group, name, value, dist, installedAs } = entry;
    records.push(`  { ...${JSON.stringify({ group, name, value, dist, installedAs })}, module: ${id} },`);
  });
  return [
    '// Generated by stevedore-ts (writeEntryPointModule): the entry points collected at build time.',
    '// Do not edit; generate it again when plugins are added or removed.',
    ...imports,
    '',
    'const entryPoints = [',
    ...records,
    '];',
    'export default entryPoints;',
    '',
  ].join('\n');
}

function importPath(outDir: string, file: string): string {
  const relative = path.relative(outDir, file).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** What {@link writeEntryPointModule} collects and where it writes the module. */
export interface WriteEntryPointModuleOptions {
  /** The module to write, e.g. `src/plugins.generated.mjs` (an ES module). */
  outFile: string;
  /** The groups to collect; default every group. */
  groups?: readonly string[];
  /** The registry to collect from; default `defaultRegistry`. */
  registry?: Registry;
}

/**
 * Collects entry points and writes the generated module (atomically).
 * Returns what it collected.
 */
export function writeEntryPointModule({
  outFile,
  groups,
  registry = defaultRegistry,
}: WriteEntryPointModuleOptions): CollectedEntryPoint[] {
  const target = path.resolve(outFile);
  const collected = collectEntryPoints(registry, groups);
  const text = generateEntryPointModule(collected, path.dirname(target));
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, target);
  return collected;
}
