// Synthetic package trees for the benchmark: an application whose
// node_modules holds N packages with realistic package.json files (1-3 KB,
// scoped and unscoped), a fifth of them declaring an entry point in the
// benchmark group. Trees are deterministic and reused between runs.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The entry point group the declaring packages use. */
export const GROUP = 'bench.plugins';
/** Bumped when the generated content changes, so that old trees are rebuilt. */
const GENERATOR_VERSION = 3;

/** A small deterministic pseudo-random generator (mulberry32). */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'array async buffer cache class color config core data date debug deep diff emit error event fast file format ' +
  'glob hash http json lang list lodash map merge mime node object parse path plugin promise query queue read ' +
  'regex schema semver shell sort stream string style sync task test text time tree type util value watch write'
).split(' ');

function pick(rand, list) {
  return list[Math.floor(rand() * list.length)];
}

function words(rand, count) {
  return Array.from({ length: count }, () => pick(rand, WORDS));
}

function version(rand) {
  return `${Math.floor(rand() * 12)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 20)}`;
}

/** The names of the N packages: about a third scoped, in N / 40 scopes. */
export function packageNames(n) {
  const rand = random(n);
  const scopes = Array.from({ length: Math.max(2, Math.floor(n / 40)) }, (_, i) => `@${pick(rand, WORDS)}${i}`);
  const names = new Set();
  for (let i = 0; names.size < n; i++) {
    const base = `${words(rand, 2).join('-')}-${i.toString(36)}`;
    names.add(rand() < 0.33 ? `${pick(rand, scopes)}/${base}` : base);
  }
  return [...names];
}

/** A package.json of 1-3 KB, shaped like the ones npm installs. */
function manifest(rand, name, declares) {
  const deps = {};
  for (const dep of words(rand, Math.floor(rand() * 12)))
    deps[`${dep}-${Math.floor(rand() * 999)}`] = `^${version(rand)}`;
  const devDeps = {};
  for (const dep of words(rand, Math.floor(rand() * 14))) devDeps[`${dep}-lib`] = `^${version(rand)}`;
  const repo = `github.com/${pick(rand, WORDS)}/${name.replace(/^@/, '').replace('/', '-')}`;
  const data = {
    name,
    version: version(rand),
    description: `${words(rand, 6 + Math.floor(rand() * 20)).join(' ')}.`,
    keywords: words(rand, Math.floor(rand() * 10)),
    homepage: `https://${repo}#readme`,
    bugs: { url: `https://${repo}/issues` },
    repository: { type: 'git', url: `git+https://${repo}.git` },
    license: pick(rand, ['MIT', 'ISC', 'Apache-2.0', 'BSD-3-Clause']),
    author: { name: `${pick(rand, WORDS)} ${pick(rand, WORDS)}`, email: `${pick(rand, WORDS)}@example.com` },
    main: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', require: './index.js', default: './index.js' },
      './package.json': './package.json',
    },
    files: ['index.js', 'index.d.ts', 'lib'],
    engines: { node: `>=${12 + Math.floor(rand() * 8)}` },
    scripts: { test: 'jest', build: 'tsc -p .', lint: 'eslint .' },
    dependencies: deps,
    devDependencies: devDeps,
  };
  if (declares) {
    const entry = name.replace(/^@/, '').replace('/', '.');
    data.entryPoints = { [GROUP]: { [entry]: './index.js:Plugin' } };
    if (rand() < 0.5) data.entryPoints['bench.other'] = { [entry]: './index.js' };
  }
  return `${JSON.stringify(data, null, 2)}\n`;
}

/**
 * Builds (or reuses) the tree for N packages under `dir`, a `share` of them
 * declaring entry points. Returns `{ root, names, plugins, driverName }`.
 */
export function buildTree(dir, n, share = 0.2) {
  const root = path.join(dir, 'app');
  const marker = path.join(dir, 'complete.json');
  const names = packageNames(n);
  const rand = random(n * 7 + 1);
  const declaring = names.map(() => rand() < share);
  if (!declaring.includes(true)) declaring[0] = true;
  const plugins = declaring.filter(Boolean).length;
  const driverName = names[declaring.indexOf(true)].replace(/^@/, '').replace('/', '.');
  const info = { root, names, plugins, driverName };
  try {
    const built = JSON.parse(readFileSync(marker, 'utf8'));
    if (built.version === GENERATOR_VERSION && (built.share ?? 0.2) === share) return info;
  } catch {
    // not built yet
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'package.json'), `${JSON.stringify({ name: 'bench-app', private: true }, null, 2)}\n`);
  const content = random(n * 13 + 5);
  names.forEach((name, i) => {
    const pkgDir = path.join(root, 'node_modules', name);
    mkdirSync(pkgDir, { recursive: true });
    writeFileSync(path.join(pkgDir, 'package.json'), manifest(content, name, declaring[i]));
    writeFileSync(
      path.join(pkgDir, 'index.js'),
      declaring[i]
        ? `'use strict';\nclass Plugin {\n  constructor() {\n    this.name = ${JSON.stringify(name)};\n  }\n}\nmodule.exports = { Plugin };\n`
        : `'use strict';\nmodule.exports = {};\n`,
    );
  });
  writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), '{"lockfileVersion":3}\n');
  writeFileSync(marker, JSON.stringify({ version: GENERATOR_VERSION, n, share }));
  return info;
}

/** True when the tree for `dir` is complete. */
export function treeExists(dir) {
  return existsSync(path.join(dir, 'complete.json'));
}
