#!/usr/bin/env node
'use strict';
/**
 * What `npm start` does first (its `prestart`), each step only when needed,
 * so a second start costs a few stat calls:
 *
 * 1. the library (stevedore-ts, two folders up): built when its dist/ is
 *    missing or older than its lib/ sources;
 * 2. the dependencies: `npm install --offline` when one that package.json
 *    lists is missing from node_modules (so an uninstalled package stays
 *    uninstalled);
 * 3. this service: compiled with tsc when dist/ is missing or older than
 *    src/, tsconfig.json or package.json.
 *
 * `node scripts/prepare.js --check` prints what would be done and changes nothing.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, realpathSync, statSync } = require('node:fs');
const path = require('node:path');

const EXAMPLE = path.resolve(__dirname, '..');
// tsc writes every output on each run, so the entry point's time is the build's.
const BUILT = path.join(EXAMPLE, 'dist', 'main.js');

/** The newest modification time (ms) of the files under `paths`, walked without recursion; 0 when none exist. */
function newestMtime(paths) {
  let newest = 0;
  const pending = [...paths];
  while (pending.length) {
    const current = pending.pop();
    let stat;
    try {
      stat = statSync(current);
    } catch {
      continue;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(current)) pending.push(path.join(current, name));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

/** The modification time (ms) of one file, or -1 when it is missing. */
function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** The library's folder: the linked stevedore-ts, else the repository root. */
function libraryRoot() {
  const linked = path.join(EXAMPLE, 'node_modules', 'stevedore-ts');
  return existsSync(linked) ? realpathSync(linked) : path.resolve(EXAMPLE, '..', '..');
}

/** The steps that are needed, in order, each `{ why, run }`. */
function plan() {
  const steps = [];
  const library = libraryRoot();
  const libraryDist = path.join(library, 'dist', 'index.js');
  if (existsSync(path.join(library, 'lib')) && mtimeOf(libraryDist) < newestMtime([path.join(library, 'lib')])) {
    steps.push({
      why: `building stevedore-ts (${path.relative(process.cwd(), libraryDist) || libraryDist} is missing or stale)`,
      run: () => execFileSync(process.execPath, [path.join(library, 'scripts', 'build.mjs')], { stdio: 'inherit' }),
    });
  }
  const manifest = JSON.parse(readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8'));
  const missing = Object.keys(manifest.dependencies || {}).filter(
    (name) => !existsSync(path.join(EXAMPLE, 'node_modules', name, 'package.json')),
  );
  if (missing.length) {
    steps.push({
      why: `installing ${missing.join(', ')}`,
      run: () =>
        execFileSync(
          process.platform === 'win32' ? 'npm.cmd' : 'npm',
          ['install', '--no-audit', '--no-fund', '--offline', '--no-package-lock', '--loglevel=error'],
          { cwd: EXAMPLE, stdio: 'inherit', shell: process.platform === 'win32' },
        ),
    });
  }
  const sources = ['src', 'tsconfig.json', 'package.json'].map((name) => path.join(EXAMPLE, name));
  if (mtimeOf(BUILT) < newestMtime(sources)) {
    steps.push({
      why: 'compiling trove-api (dist/ is missing or older than src/)',
      run: () => {
        const tsc = require.resolve('typescript/bin/tsc', { paths: [EXAMPLE] });
        execFileSync(process.execPath, [tsc, '-p', path.join(EXAMPLE, 'tsconfig.json')], { stdio: 'inherit' });
      },
    });
  }
  return steps;
}

function main(argv) {
  const steps = plan();
  for (const step of steps) {
    process.stdout.write(`trove-api: ${step.why}\n`);
    if (!argv.includes('--check')) step.run();
  }
  if (argv.includes('--check') && !steps.length) process.stdout.write('trove-api: up to date\n');
}

if (require.main === module) main(process.argv.slice(2));

module.exports = { plan, newestMtime };
