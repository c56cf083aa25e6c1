/**
 * The package as it is published: a copy of the checkout (the files git
 * tracks or would track, nothing built), packed with `npm pack` (whose
 * `prepack` builds dist/), or the current build packed as it is.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './dist';
import { NETWORK_ENV, childEnv } from './processes';

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** The file name `npm pack` gives the tarball. */
export const TARBALL = `stevedore-ts-${VERSION}.tgz`;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    env: childEnv({ ...NETWORK_ENV, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' }),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Copies what a fresh clone holds into `dir/checkout` (dist/ and everything
 * else git ignores left out; node_modules linked, as `npm ci` would have
 * installed it), runs `npm pack` there and returns the tarball's path.
 */
export function packCleanCheckout(dir: string): string {
  const checkout = path.join(dir, 'checkout');
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
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(checkout, 'node_modules'));
  if (fs.existsSync(path.join(checkout, 'dist'))) throw new Error('the checkout copy holds dist/');
  npm(['pack', '--pack-destination', dir], checkout);
  return path.join(dir, TARBALL);
}

/** Packs the current build (dist/ as the test setup built it) into `dir` and returns the tarball's path. */
export function packBuilt(dir: string): string {
  npm(['pack', '--ignore-scripts', '--pack-destination', dir], REPO);
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
