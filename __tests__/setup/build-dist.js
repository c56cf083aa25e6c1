// Jest globalSetup: the tests that spawn real node processes use the built
// dist/. Build it once, and only when it is missing or older than its sources.
'use strict';
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(file) : statSync(file).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

function builtMtime() {
  try {
    // build.mjs writes the .mjs wrappers last.
    return statSync(path.join(repo, 'dist', 'testing.mjs')).mtimeMs;
  } catch {
    return -1;
  }
}

module.exports = function buildDist() {
  const sources = Math.max(
    newestMtime(path.join(repo, 'lib')),
    statSync(path.join(repo, 'scripts', 'build.mjs')).mtimeMs,
  );
  if (builtMtime() >= sources) return;
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'inherit' });
};
