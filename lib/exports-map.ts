/**
 * The `exports` map resolution of Node's ES module loader, for loadAsync():
 * require.resolve() matches the "require" condition, so a package that
 * exports a path only under "import" is "not exported" to it, though
 * `import()` would load it. Only used after require.resolve() said so.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// The conditions Node's ES module loader matches (plus "default", always).
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

/**
 * Resolves a bare specifier (`pkg`, `pkg/sub`, `@scope/pkg/sub`) through the
 * `exports` of the nearest installed package of that name, as `import()`
 * would from `baseDir`. Returns the file path, or null when the package
 * cannot be found or does not export that path to `import`.
 */
export function resolveImportExports(specifier: string, baseDir: string): string | null {
  const segments = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = segments.slice(0, nameLength).join('/');
  const subpath = ['.', ...segments.slice(nameLength)].join('/');
  const folders = createRequire(path.join(baseDir, 'package.json')).resolve.paths(name) ?? [];
  for (const folder of folders) {
    const packageDir = path.join(folder, name);
    let manifest: { exports?: unknown };
    try {
      manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { exports?: unknown };
    } catch {
      continue;
    }
    const target = manifest.exports === undefined ? null : exportsTarget(manifest.exports, subpath);
    return target ? path.join(packageDir, target) : null;
  }
  return null;
}

/** The target of `subpath` (`.` or `./x`) in an `exports` field, or null. */
export function exportsTarget(exports: unknown, subpath: string): string | null {
  const isSubpathMap =
    typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports)[0]?.[0] === '.';
  const map = (isSubpathMap ? exports : { '.': exports }) as Record<string, unknown>;
  if (subpath.includes('*')) return null;
  if (Object.hasOwn(map, subpath)) return conditionalTarget(map[subpath], '') ?? null;
  // Pattern keys (`./features/*.js`): the longest prefix wins, as in Node.
  let best: { key: string; match: string } | null = null;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star === -1 || key.indexOf('*', star + 1) !== -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.length < key.length || !subpath.startsWith(prefix) || !subpath.endsWith(suffix)) continue;
    if (
      !best ||
      prefix.length > best.key.indexOf('*') ||
      (prefix.length === best.key.indexOf('*') && key.length > best.key.length)
    ) {
      best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best ? (conditionalTarget(map[best.key], best.match) ?? null) : null;
}

/**
 * Resolves one target: a `./` path (with `*` replaced by `match`), an array
 * of fallbacks, or an object of conditions. undefined means "no condition
 * matched" (try the next one); null means "explicitly not exported".
 */
function conditionalTarget(target: unknown, match: string): string | null | undefined {
  if (typeof target === 'string') {
    const resolved = target.replaceAll('*', match);
    const escapes = resolved.split(/[\\/]/).some((segment) => segment === '..' || segment === 'node_modules');
    return target.startsWith('./') && !escapes ? resolved : null;
  }
  if (Array.isArray(target)) {
    for (const candidate of target) {
      const resolved = conditionalTarget(candidate, match);
      if (resolved) return resolved;
    }
    return null;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!IMPORT_CONDITIONS.has(condition)) continue;
      const resolved = conditionalTarget(value, match);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  return null;
}
