/**
 * Discovery under Yarn Plug'n'Play. A PnP install has no node_modules: the
 * packages live in zip archives (or unplugged/linked folders) and only the
 * PnP runtime (`.pnp.cjs`, loaded with `node -r ./.pnp.cjs` or `yarn node`)
 * knows where. So the packages are asked of the PnP API: the root's
 * dependencies as PnP resolves them, in name order. The runtime also patches
 * `fs`, which is what lets the scan read package.json files inside the zips.
 */
import { existsSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import type { LocatedPackage, LocatedPackages } from './scan';
import { debug } from './diagnostics';

/** The subset of the Yarn Plug'n'Play API stevedore-ts uses (see https://yarnpkg.com/advanced/pnpapi). */
export interface PnpApi {
  findPackageLocator(location: string): PackageLocator | null;
  getPackageInformation(locator: PackageLocator): PackageInformation | null;
  resolveToUnqualified(request: string, issuer: string): string | null;
}

export interface PackageLocator {
  name: string | null;
  reference: string | null;
}

export interface PackageInformation {
  packageLocation: string;
  packageDependencies: Map<string, string | [string, string] | null>;
}

/** The Plug'n'Play API that governs `dir`, when this process runs under Yarn PnP; else null. */
export function findPnpApi(dir: string): PnpApi | null {
  const finder = (Module as unknown as { findPnpApi?: (lookupSource: string) => PnpApi | null }).findPnpApi;
  if (typeof finder !== 'function') return null;
  try {
    return finder(dir) ?? null;
  } catch {
    return null;
  }
}

// The files Yarn writes on every install: `.pnp.cjs` always, `.pnp.data.json`
// when the data is not inlined, `.pnp.loader.mjs` for ES modules.
const PNP_FILES = ['.pnp.cjs', '.pnp.data.json', '.pnp.loader.mjs'];

/** The `.pnp.cjs` that governs `dir`: the nearest one upward (where Yarn's runtime looks), or null. */
export function findPnpFile(dir: string): string | null {
  let current = path.resolve(dir);
  for (;;) {
    const candidate = path.join(current, '.pnp.cjs');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/**
 * The packages the root depends on, as the PnP API resolves them, in name
 * order (aliases by the name they are depended on under); the root itself is
 * read first by the scan. Watches Yarn's install files, which change
 * whenever a dependency is added, removed or upgraded.
 *
 * @param root The application's folder (a workspace of the PnP project).
 * @param api The PnP API from `findPnpApi(root)`.
 */
export function pnpPackages(root: string, api: PnpApi): LocatedPackages {
  const pnpFile = findPnpFile(root);
  const watchFiles = pnpFile ? PNP_FILES.map((name) => path.join(path.dirname(pnpFile), name)) : [];
  const source = pnpFile ?? 'pnp';
  const rootLocator = api.findPackageLocator(`${path.resolve(root)}${path.sep}`);
  const rootInfo = rootLocator && api.getPackageInformation(rootLocator);
  if (!rootLocator || !rootInfo) {
    debug.registry("%s is not a package of the Plug'n'Play project %s", root, source);
    return { packages: [], watchFiles };
  }
  const packages: LocatedPackage[] = [];
  const names = [...rootInfo.packageDependencies.keys()].sort();
  for (const name of names) {
    const reference = rootInfo.packageDependencies.get(name);
    if (reference === null || reference === undefined) continue; // a peer dependency nobody provides
    const locator: PackageLocator = Array.isArray(reference)
      ? { name: reference[0], reference: reference[1] }
      : { name, reference };
    if (locator.name === rootLocator.name && locator.reference === rootLocator.reference) continue;
    const info = api.getPackageInformation(locator);
    if (!info) continue;
    const dir = info.packageLocation.replace(/[\\/]+$/, '');
    // Archives never change in place (a new version is a new zip, and a new
    // .pnp.cjs); a folder (portal:, link:, unplugged) can be edited in place.
    const inArchive = /\.zip[\\/]/.test(`${dir}${path.sep}`);
    packages.push({ dir, installedAs: name, source, watch: !inArchive });
  }
  debug.registry("Plug'n'Play: %d dependencies of %s", packages.length, rootLocator.name);
  return { packages, watchFiles };
}
