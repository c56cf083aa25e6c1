/**
 * The built library in dist/: what the tests that run real node processes
 * load (inside jest, require() is jest's module loader, not Node's).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The checkout. */
export const REPO = path.resolve(__dirname, '..', '..');
/** The built library (`require(DIST)` loads its main entry). */
export const DIST = path.join(REPO, 'dist');
/** `import` targets of the built ES module entries. */
export const DIST_MJS_URL = distUrl(REPO, 'index.mjs');
export const DIST_TESTING_MJS_URL = distUrl(REPO, 'testing.mjs');

/**
 * Where a child process that runs as another user (as root, the tests scan
 * as nobody to meet permission errors) finds dist/ and the scripts of
 * __tests__/reliability: a copy of them, with their paths in the checkout,
 * that everyone may read, made by jest's global setup (setup/readable-copy.js).
 * Other users may not be able to enter the checkout itself: a clone under
 * /root, or in a mode-0700 folder.
 */
export function readableCheckout(): string {
  const dir = process.env.STEVEDORE_TEST_READABLE_COPY;
  if (dir) return dir;
  throw new Error(
    process.env.STEVEDORE_TEST_READABLE_UNAVAILABLE ??
      'no copy of dist/ for other users: it is made by the global setup of jest, when the tests run as root',
  );
}

/** Why a child cannot run as another user here, or null. */
export function otherUserUnavailable(): string | null {
  return process.env.STEVEDORE_TEST_READABLE_UNAVAILABLE ?? null;
}

/** The `import` target of a file of dist/ in `root` (the checkout, or {@link readableCheckout}). */
export function distUrl(root: string, file: string): string {
  return pathToFileURL(path.join(root, 'dist', file)).href;
}

// The same check the global setup makes before any test file runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const buildDist = require('../setup/build-dist.js') as () => void;

/**
 * Builds dist/ when it is missing or older than lib/. Jest's global setup has
 * done it already; this covers a test file run with `--globalSetup` of its own.
 */
export function ensureBuilt(): void {
  buildDist();
}
