// What a child process running as another user needs from the checkout, copied to a folder everyone may read:
// the tests run such children (as nobody, when they run as root) to meet permission errors, and other users may
// not be able to enter the checkout at all (a clone under /root, or in a mode-0700 folder).
'use strict';
const { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, statSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');

/** What is copied, with its path in the checkout kept: the built library and the scripts children run on it. */
const COPIED = ['dist', path.join('__tests__', 'reliability', 'load-plugins.mjs')];

/** The first folder on the way to `dir` (itself included) that other users may not enter, or null. */
function closedToOthers(dir) {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return at;
    if (path.dirname(at) === at) return null;
  }
}

/** The library's run-time dependencies and theirs, by name (installed flat in node_modules/ by npm ci). */
function runtimePackages() {
  const seen = new Set();
  const manifest = (name) => path.join(repo, ...(name ? ['node_modules', name] : []), 'package.json');
  const queue = Object.keys(JSON.parse(readFileSync(manifest(''), 'utf8')).dependencies ?? {});
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...Object.keys(JSON.parse(readFileSync(manifest(name), 'utf8')).dependencies ?? {}));
  }
  return [...seen];
}

/**
 * Makes the copy in a new temporary folder. Returns `{ dir }`, or `{ unavailable }` (why other users could not
 * read it) when the temporary folder itself is closed to them.
 */
function makeReadableCopy() {
  const closed = closedToOthers(os.tmpdir());
  if (closed !== null) return { unavailable: `other users cannot enter ${closed}, on the way to the temporary folder` };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stevedore-readable-'));
  for (const item of COPIED) cpSync(path.join(repo, item), path.join(dir, item), { recursive: true });
  for (const name of runtimePackages()) {
    cpSync(path.join(repo, 'node_modules', name), path.join(dir, 'node_modules', name), { recursive: true });
  }
  // Whatever the umask of the checkout was, everyone may read the copy.
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  return { dir };
}

module.exports = { makeReadableCopy };
