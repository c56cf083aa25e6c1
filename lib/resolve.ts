/**
 * Resolution of bare specifiers the way `import()` sees them: Node's ES
 * module resolver applied from a package's folder, with the `import`
 * conditions. `require.resolve()` cannot do this job, because it picks the
 * `require` branch of a package's `exports` and so misses (or mis-resolves)
 * packages whose `exports` only offer an `import` entry.
 *
 * Implements PACKAGE_RESOLVE of Node's ESM specification: self-reference,
 * the package folder found through the node_modules lookup paths (or Yarn
 * Plug'n'Play), then PACKAGE_EXPORTS_RESOLVE with conditions, subpath
 * patterns, arrays of fallbacks and `null` exclusions. Packages without
 * `exports` resolve as `require.resolve()` does.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { findPnpApi } from './pnp';
import { quote } from './quote';

export type { PnpApi } from './pnp';

/** The conditions `import()` matches in this process: Node's defaults plus any `--conditions` flags. */
export function importConditions(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string[] {
  const conditions = ['node', 'import'];
  if ((process.features as { require_module?: boolean }).require_module) conditions.push('module-sync');
  const args = [...execArgv, ...(nodeOptions ?? '').split(/\s+/).filter(Boolean)];
  args.forEach((arg, index) => {
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline) conditions.push(inline[1]);
    else if ((arg === '--conditions' || arg === '-C') && args[index + 1]) conditions.push(args[index + 1]);
  });
  return conditions;
}

/** What {@link packageFolder} keeps of a folder. */
interface PackageFolder {
  /** The `require` of a module in the folder, as `createRequire()` makes it. */
  readonly require: NodeJS.Require;
  /** The folder's real path (symbolic links resolved), once asked for. */
  real?: string;
}

const folders = new Map<string, PackageFolder>();

/**
 * A package folder's `require` and real path, kept until the current synchronous run of code ends (they are
 * dropped at the next microtask): a manager loading thousands of entry points from a few packages makes one of
 * each per package instead of several per entry point, and a folder relinked in the meantime is seen afresh.
 */
function packageFolder(dir: string): PackageFolder {
  let folder = folders.get(dir);
  if (!folder) {
    if (folders.size === 0) queueMicrotask(() => folders.clear());
    folder = { require: createRequire(path.join(dir, 'package.json')) };
    folders.set(dir, folder);
  }
  return folder;
}

/** The `require` of a module in folder `dir` (`createRequire()` of its package.json). */
export function requireFrom(dir: string): NodeJS.Require {
  return packageFolder(dir).require;
}

/** The real path of folder `dir`, or `dir` made absolute when it cannot be resolved (a missing folder). */
export function realFolder(dir: string): string {
  const folder = packageFolder(dir);
  return (folder.real ??= realpathOrResolved(dir));
}

/** The real path of `file`, or `file` made absolute when it cannot be resolved. */
export function realpathOrResolved(file: string): string {
  try {
    return realpathSync.native(file);
  } catch {
    return path.resolve(file);
  }
}

/** An error with Node's `code`, so callers can tell the failures apart as they do Node's. */
function resolutionError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Splits `@scope/name/sub/path` into the package name and the `./sub/path` subpath. */
export function splitSpecifier(specifier: string): { packageName: string; subpath: string } {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  const packageName = parts.slice(0, nameParts).join('/');
  const rest = parts.slice(nameParts).join('/');
  return { packageName, subpath: rest ? `./${rest}` : '.' };
}

function readManifest(dir: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isFolder(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The folder of package `name` as seen from `baseDir`, or null when it cannot be found. */
function findPackageFolder(name: string, baseDir: string): string | null {
  const pnp = findPnpApi(baseDir);
  if (pnp) {
    let unqualified: string | null = null;
    try {
      unqualified = pnp.resolveToUnqualified(name, `${baseDir}${path.sep}`);
    } catch {
      return null;
    }
    return unqualified && isFolder(unqualified) ? unqualified.replace(/[\\/]+$/, '') : null;
  }
  const lookup = requireFrom(baseDir).resolve.paths(name) ?? [];
  for (const folder of lookup) {
    const candidate = path.join(folder, name);
    if (isFolder(candidate)) return candidate;
  }
  return null;
}

/**
 * Resolves a bare specifier (`pkg`, `pkg/sub`, `@scope/pkg/sub`) for `import()`
 * from a package folder. Built-in modules are returned unchanged.
 *
 * @param specifier The bare specifier, as written in an entry point value.
 * @param baseDir The folder it is imported from (the declaring package's root).
 * @param conditions The export conditions to match, in addition to `default`.
 * @returns The absolute path of the file to import.
 */
export function resolveImport(
  specifier: string,
  baseDir: string,
  conditions: readonly string[] = importConditions(),
): string {
  if (isBuiltin(specifier)) return specifier;
  const { packageName, subpath } = splitSpecifier(specifier);
  const self = readManifest(baseDir);
  let packageDir: string | null =
    self && self.name === packageName && self.exports !== undefined ? path.resolve(baseDir) : null;
  packageDir ??= findPackageFolder(packageName, baseDir);
  if (!packageDir) {
    throw resolutionError('ERR_MODULE_NOT_FOUND', `Cannot find package '${packageName}' imported from ${baseDir}`);
  }
  const manifest = self && packageDir === path.resolve(baseDir) ? self : readManifest(packageDir);
  if (!manifest || manifest.exports === undefined || manifest.exports === null) {
    // No exports map: the legacy main/file lookup, which require.resolve() implements.
    return requireFrom(baseDir).resolve(specifier);
  }
  const resolved = resolveExports(packageDir, subpath, manifest.exports, new Set([...conditions, 'default']));
  if (!existsSync(resolved)) {
    throw resolutionError('ERR_MODULE_NOT_FOUND', `Cannot find module '${resolved}' imported from ${baseDir}`);
  }
  return resolved;
}

/**
 * PACKAGE_EXPORTS_RESOLVE: the file `subpath` maps to in a package's
 * `exports`, matching `conditions` in the order the map lists them.
 *
 * @param packageDir The package's folder.
 * @param subpath `.` or `./sub/path`.
 * @param exports The package.json `exports` value.
 * @param conditions The condition names that apply (include `default`).
 */
export function resolveExports(
  packageDir: string,
  subpath: string,
  exports: unknown,
  conditions: ReadonlySet<string>,
): string {
  const manifest = path.join(packageDir, 'package.json');
  const notExported = (): Error =>
    resolutionError(
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
      subpath === '.'
        ? `No "exports" main defined in ${manifest}`
        : `Package subpath '${subpath}' is not defined by "exports" in ${manifest}`,
    );
  let target: unknown;
  let patternMatch: string | null = null;
  const map = exports !== null && typeof exports === 'object' && !Array.isArray(exports) ? exports : null;
  const keys = map ? Object.keys(map) : [];
  const subpathKeys = keys.filter((key) => key.startsWith('.'));
  if (subpathKeys.length && subpathKeys.length !== keys.length) {
    throw resolutionError(
      'ERR_INVALID_PACKAGE_CONFIG',
      `Invalid package config ${manifest}: "exports" cannot mix subpaths ("./...") and conditions`,
    );
  }
  if (!map || subpathKeys.length === 0) {
    // Sugar: the whole value is the export of ".".
    if (subpath !== '.') throw notExported();
    target = exports;
  } else {
    const entries = map as Record<string, unknown>;
    if (Object.hasOwn(entries, subpath) && !subpath.includes('*')) {
      target = entries[subpath];
    } else {
      const best = bestPattern(subpathKeys, subpath);
      if (!best) throw notExported();
      target = entries[best.key];
      patternMatch = best.match;
    }
  }
  const resolved = resolveTarget(packageDir, target, patternMatch, conditions, manifest);
  if (resolved === null || resolved === undefined) throw notExported();
  return resolved;
}

/** The subpath pattern (`./x/*.js`) that matches `subpath` best, by Node's PATTERN_KEY_COMPARE. */
function bestPattern(keys: readonly string[], subpath: string): { key: string; match: string } | null {
  let best: { key: string; match: string } | null = null;
  for (const key of keys) {
    const star = key.indexOf('*');
    if (star === -1 || key.indexOf('*', star + 1) !== -1) continue;
    const base = key.slice(0, star);
    const trailer = key.slice(star + 1);
    if (!subpath.startsWith(base) || subpath === base) continue;
    if (trailer && !(subpath.length >= key.length && subpath.endsWith(trailer))) continue;
    if (best && comparePatternKeys(best.key, key) <= 0) continue;
    best = { key, match: subpath.slice(base.length, subpath.length - trailer.length) };
  }
  return best;
}

/** Negative when `a` should win over `b`: the longer prefix before `*`, then the longer key. */
function comparePatternKeys(a: string, b: string): number {
  const baseA = a.indexOf('*');
  const baseB = b.indexOf('*');
  if (baseA !== baseB) return baseB - baseA;
  return b.length - a.length;
}

// A package.json nobody here wrote decides how deep the targets nest and how often `*` repeats: Node would
// overflow its stack or build a string of gigabytes; these bounds give an error that says what is wrong instead.
const MAX_TARGET_DEPTH = 64;
const MAX_TARGET_LENGTH = 64 * 1024;

/** The length of `target` with every `*` replaced by `match`, without building it. */
function replacedLength(target: string, match: string): number {
  let stars = 0;
  for (let at = target.indexOf('*'); at !== -1; at = target.indexOf('*', at + 1)) stars++;
  return target.length + stars * (match.length - 1);
}

/**
 * RESOLVE_PACKAGE_TARGET: a string target (with `*` replaced), the first
 * array entry that resolves, or the first matching condition of an object.
 * Returns null for an explicit `null` (excluded) and undefined when no
 * condition matched.
 */
function resolveTarget(
  packageDir: string,
  target: unknown,
  patternMatch: string | null,
  conditions: ReadonlySet<string>,
  manifest: string,
  depth = 0,
): string | null | undefined {
  if (depth > MAX_TARGET_DEPTH) {
    throw resolutionError(
      'ERR_INVALID_PACKAGE_CONFIG',
      `Invalid package config ${manifest}: "exports" nests conditions or arrays more than ${MAX_TARGET_DEPTH} deep`,
    );
  }
  if (typeof target === 'string') {
    const invalid = (why = ''): Error =>
      resolutionError('ERR_INVALID_PACKAGE_TARGET', `Invalid "exports" target ${quote(target)} in ${manifest}${why}`);
    if (!target.startsWith('./')) throw invalid();
    if (patternMatch !== null && replacedLength(target, patternMatch) > MAX_TARGET_LENGTH) {
      throw invalid(`: with "*" replaced it is longer than any path (${MAX_TARGET_LENGTH} characters)`);
    }
    const replaced = patternMatch === null ? target : target.replaceAll('*', patternMatch);
    const segments = replaced.slice(2).split(/[\\/]/);
    if (segments.some((segment) => segment === '..' || segment === '.' || segment === 'node_modules')) throw invalid();
    return path.join(packageDir, replaced);
  }
  if (Array.isArray(target)) {
    let lastError: Error | null = null;
    for (const candidate of target) {
      try {
        const resolved = resolveTarget(packageDir, candidate, patternMatch, conditions, manifest, depth + 1);
        if (resolved === undefined) continue;
        if (resolved === null) {
          lastError = null;
          continue;
        }
        return resolved;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ERR_INVALID_PACKAGE_TARGET') throw err;
        lastError = err as Error;
      }
    }
    if (lastError) throw lastError;
    return null;
  }
  if (target !== null && typeof target === 'object') {
    for (const [condition, value] of Object.entries(target)) {
      if (!conditions.has(condition)) continue;
      const resolved = resolveTarget(packageDir, value, patternMatch, conditions, manifest, depth + 1);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  return null;
}
