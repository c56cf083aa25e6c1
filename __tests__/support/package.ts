/**
 * The package as it is published: a copy of the checkout (the files git
 * tracks or would track, nothing built), built and packed with `npm pack`,
 * or the current build packed as it is.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './dist';
import { npm } from './installs';

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** The file name `npm pack` gives the tarball. */
export const TARBALL = `stevedore-ts-${VERSION}.tgz`;

/**
 * Copies what a fresh clone holds into `dir/clone/checkout` (dist/ and
 * everything else git ignores left out) and returns the copy's folder. Its
 * node_modules is a link beside the copy (`dir/clone/node_modules`) to the
 * checkout's: Node finds the same modules up the folders, while npm, which
 * walks a package's own node_modules for what to bundle (nothing here), has
 * none to walk when it packs the copy (half of what packing costs it).
 */
export function copyCleanCheckout(dir: string): string {
  const checkout = path.join(dir, 'clone', 'checkout');
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = path.join(REPO, file);
    const stat = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!stat || stat.isDirectory()) continue; // deleted, or a nested repository
    fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
    fs.cpSync(from, path.join(checkout, file), { verbatimSymlinks: true });
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'clone', 'node_modules'));
  if (fs.existsSync(path.join(checkout, 'dist'))) throw new Error('the checkout copy holds dist/');
  return checkout;
}

/**
 * Packs a checkout copy whose dist/ is built (by its build script, which is what its `prepack` runs) with
 * `npm pack --ignore-scripts` into `dir`, and returns the tarball's path: what `npm pack` makes of it, without
 * building it a second time. (`npm run lint:package` packs the checkout with `prepack` itself.)
 */
export function packBuiltCheckout(checkout: string, dir: string): string {
  if (!fs.existsSync(path.join(checkout, 'dist'))) throw new Error('the checkout copy has no dist/ to pack');
  // With the code cache for npm's modules; offline (a folder is packed from disk), so without the CA bundle.
  npm(checkout, ['pack', '--pack-destination', dir, '--offline', '--ignore-scripts'], { npm_config_loglevel: 'error' });
  return path.join(dir, TARBALL);
}

/** The paths inside a tarball (without npm's `package/` prefix), sorted. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
}

/** Unpacks a tarball into `folder` (as npm lays out an installed package). */
export function unpack(tarball: string, folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', folder, '--strip-components=1']);
}

/** The package's own files, relative to `root`: what `npm pack` packs of a package with a `files` list. */
function publishedFiles(root: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    files?: string[];
    main?: string;
    bin?: Record<string, string>;
  };
  // npm always packs package.json, the README and LICENSE files, and the main and bin files.
  const always = fs.readdirSync(root).filter((name) => /^(readme|license|licence|copying)(\.|$)/i.test(name));
  const listed = [...(manifest.files ?? []), ...always, manifest.main, ...Object.values(manifest.bin ?? {})];
  const found = new Set(['package.json']);
  const pending = listed.filter((entry): entry is string => Boolean(entry)).map((entry) => path.normalize(entry));
  while (pending.length > 0) {
    const entry = pending.pop()!;
    const stat = fs.statSync(path.join(root, entry), { throwIfNoEntry: false });
    if (stat?.isDirectory())
      pending.push(...fs.readdirSync(path.join(root, entry)).map((name) => path.join(entry, name)));
    else if (stat) found.add(entry);
  }
  return [...found].sort();
}

/**
 * Packs the current build (dist/ as the test setup built it) into `dir` as `npm pack --ignore-scripts` would, with
 * `tar` instead of npm (a few milliseconds; npm takes most of a second): the files `npm pack` packs (see
 * publishedFiles), under `package/`, with npm's owner and time. consumer.test.ts checks that it holds what the real
 * `npm pack` packs, byte for byte.
 */
export function packBuilt(dir: string): string {
  const tarball = path.join(dir, TARBALL);
  const files = publishedFiles(REPO);
  const staging = fs.mkdtempSync(path.join(dir, '.staging-'));
  try {
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(staging, 'package', file)), { recursive: true });
      fs.copyFileSync(path.join(REPO, file), path.join(staging, 'package', file));
      fs.chmodSync(path.join(staging, 'package', file), fs.statSync(path.join(REPO, file)).mode);
    }
    execFileSync('tar', [
      '-czf',
      tarball,
      '-C',
      staging,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=1985-10-26T08:15:00Z',
      '--no-recursion',
      ...files.map((file) => path.join('package', file)),
    ]);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return tarball;
}

/** A tarball's files as `tar -tv` lists them (mode, owner, size, time, path), sorted by path. */
export function tarballListing(tarball: string): string[] {
  return execFileSync('tar', ['-tvzf', tarball], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } })
    .split('\n')
    .filter((line) => line && !line.endsWith('/'))
    .sort((a, b) => (a.split(/\s+/).at(-1)! < b.split(/\s+/).at(-1)! ? -1 : 1));
}
