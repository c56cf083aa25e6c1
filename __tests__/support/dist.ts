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
export const DIST_MJS_URL = pathToFileURL(path.join(DIST, 'index.mjs')).href;
export const DIST_TESTING_MJS_URL = pathToFileURL(path.join(DIST, 'testing.mjs')).href;

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
