/**
 * Helpers for the tests of applications and plugins (`stevedore-ts/testing`):
 * extensions made from values in memory, and package trees written to a
 * temporary folder with a Registry over them.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// Through the public entry, so that the published build shares one copy of the library with it.
import { EntryPoint, Extension, Registry } from './index';
import type { RegistryOptions } from './index';

/**
 * An Extension around an in-memory plugin, for `makeTestInstance()`. Its
 * entry point (value `testing/<name>` unless given, with characters a package
 * path cannot hold replaced by `_`) is never loaded.
 */
export function makeTestExtension<T>(
  name: string,
  plugin: unknown,
  obj?: T,
  {
    value = `testing/${name.replace(/[^\w-]/g, '_') || '_'}`,
    group = 'TESTING',
  }: { value?: string; group?: string } = {},
): Extension<T> {
  return new Extension<T>(name, new EntryPoint(name, value, group), plugin, obj);
}

/** A package to write into a fixture tree. */
export interface FixturePackage {
  /** The package name, e.g. `my-plugin` or `@scope/plugin`. */
  name: string;
  version?: string;
  /** The `entryPoints` field: group -> name -> value. */
  entryPoints?: Record<string, Record<string, string>>;
  /** Files to write inside the package, by relative path. */
  files?: Record<string, string>;
  /** More package.json fields (`type`, `exports`, `main`, ...). */
  manifest?: Record<string, unknown>;
  /** Install it as a symbolic link to a folder outside node_modules (like `npm link`). */
  linked?: boolean;
}

export interface PackageTree {
  /** The temporary folder holding everything. */
  dir: string;
  /** The application's folder (`<dir>/app`). */
  root: string;
  /** A Registry over the tree, with the on-disk cache off unless asked. */
  registry: Registry;
  /**
   * Writes one more package into the tree (call `registry.refresh()` after)
   * and returns its folder.
   *
   * @param folder The folder of packages to install it into: default
   *   `<root>/node_modules`; e.g. a NODE_PATH folder or a global prefix's.
   */
  install(pkg: FixturePackage, folder?: string): string;
  /** Removes the temporary folder. */
  cleanup(): void;
}

function writePackage(dir: string, pkg: FixturePackage): void {
  mkdirSync(dir, { recursive: true });
  const manifest: Record<string, unknown> = { name: pkg.name, version: pkg.version ?? '1.0.0', ...pkg.manifest };
  if (pkg.entryPoints) manifest.entryPoints = pkg.entryPoints;
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [file, content] of Object.entries(pkg.files ?? {})) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/**
 * Writes an application (`app`) and its installed packages into a temporary
 * folder and returns a Registry rooted at the application.
 *
 * ```ts
 * const tree = createPackageTree({
 *   app: { name: 'app' },
 *   packages: [{ name: 'fmt-json', entryPoints: { 'app.formatters': { json: './index.js' } },
 *                files: { 'index.js': 'module.exports = () => "{}";' } }],
 * });
 * new ExtensionManager('app.formatters', { registry: tree.registry });
 * ```
 */
export function createPackageTree({
  app = { name: 'app' },
  packages = [],
  registryOptions = {},
}: {
  app?: FixturePackage;
  packages?: FixturePackage[];
  registryOptions?: RegistryOptions;
} = {}): PackageTree {
  // The real path, so that `root` compares equal to the `dist.root` of what it declares.
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'stevedore-tree-')));
  const root = path.join(dir, 'app');
  writePackage(root, app);
  const install = (pkg: FixturePackage, folder = path.join(root, 'node_modules')): string => {
    const target = path.join(path.resolve(root, folder), pkg.name);
    if (pkg.linked) {
      const source = path.join(dir, 'linked', pkg.name);
      writePackage(source, pkg);
      mkdirSync(path.dirname(target), { recursive: true });
      symlinkSync(source, target, 'dir');
    } else {
      writePackage(target, pkg);
    }
    return target;
  };
  for (const pkg of packages) install(pkg);
  const registry = new Registry({ root, cache: false, ...registryOptions });
  return { dir, root, registry, install, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
