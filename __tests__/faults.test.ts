/**
 * The fault suite: hostile and broken package trees, written to real folders,
 * next to a good plugin. In every case the good plugin still loads, and the
 * bad one is reported once, with its file and the reason, or (where nothing
 * is wrong from Node's point of view) handled the way Node would.
 *
 * Each case's outcome is recorded into docs/reliability.md (see reliability/record.ts).
 */
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ExtensionManager, Registry } from '../lib/index';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { cacheFileFor } from '../lib/cache';
import type { CacheFileParts, GroupSection } from './support/cache-file';
import { rewriteCacheFile } from './support/cache-file';
import { describeError } from '../lib/describe-error';
import { portable, reliabilitySuite } from './reliability/record';
import type { LoaderOptions, LoaderResult } from './reliability/node';
import { runLoaders, unprivilegedLoader } from './reliability/node';
import { DIST, ensureBuilt } from './support/dist';

const GROUP = 'faults.plugins';
const GOOD: FixturePackage = {
  name: 'good-plugin',
  entryPoints: { [GROUP]: { good: './index.js:Good' } },
  files: { 'index.js': 'exports.Good = class Good {};\n' },
};

interface Warning {
  code: string;
  message: string;
}

interface Observation {
  /** Names loaded by a manager with an onLoadFailureCallback. */
  loaded: string[];
  /** What that callback received: the entry point's name, the error's code and message. */
  failures: { name: string; code: string | null; message: string }[];
  /** Every STEVEDORE_* warning emitted while two more managers (without callback) and a second registry ran. */
  warnings: Warning[];
}

const trees: PackageTree[] = [];
afterAll(() => {
  for (const tree of trees) {
    makeReadable(tree.dir);
    tree.cleanup();
  }
});

function makeReadable(dir: string): void {
  // The "no read permission" cases leave mode-000 entries behind; root can remove them anyway.
  if (existsSync(dir)) chmodSync(dir, 0o755);
}

/** A tree holding the good plugin and whatever `packages` adds. */
function tree(packages: FixturePackage[] = []): PackageTree {
  const made = createPackageTree({ packages: [GOOD, ...packages] });
  trees.push(made);
  return made;
}

/** Writes a package whose package.json is exactly `manifest` (text or bytes). Returns its package.json path. */
function rawPackage(t: PackageTree, name: string, manifest: string | Buffer, files: Record<string, string> = {}) {
  const dir = path.join(t.root, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), manifest);
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return path.join(dir, 'package.json');
}

/**
 * The bytes of `text` with `marker` (found once in it) replaced by `unit` repeated `times` times: a manifest
 * of tens of megabytes made as bytes, without a string of that size to build, escape and encode first.
 */
function repeatedInside(text: string, marker: string, unit: string, times: number): Buffer {
  const at = text.indexOf(marker);
  if (at < 0 || text.includes(marker, at + 1)) throw new Error(`${marker} must be in the text once`);
  const bytes = Buffer.from(unit);
  return Buffer.concat([
    Buffer.from(text.slice(0, at)),
    Buffer.alloc(bytes.length * times, bytes),
    Buffer.from(text.slice(at + marker.length)),
  ]);
}

/** The library a case observes: lib/ (as imported above), or the built one ({@link builtLibrary}). */
interface Library {
  ExtensionManager: typeof ExtensionManager;
  Registry: typeof Registry;
}

let built: Library | undefined;

/**
 * The built library (dist/, bundled from lib/), in this process: for the cases whose cost is their size (tens
 * of megabytes read, tens of thousands of entry points loaded), so that `npm run coverage` does not run them
 * through the coverage instrumentation of lib/ (three times slower). The smaller cases check the same code on
 * lib/.
 */
function builtLibrary(): Library {
  ensureBuilt();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  built ??= require(DIST) as Library;
  return built;
}

/** A tree's registry from `lib`: the tree's own one for lib/, else one made as createPackageTree makes it. */
function registryOf(t: PackageTree, lib: Library): Registry {
  return lib.Registry === Registry ? t.registry : new lib.Registry({ root: t.root, cache: false });
}

function observe(
  t: PackageTree,
  group = GROUP,
  lib: Library = { ExtensionManager, Registry },
  registry = registryOf(t, lib),
): Observation {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    const failures: Observation['failures'] = [];
    const manager = new lib.ExtensionManager(group, {
      registry,
      onLoadFailureCallback: (_manager, entryPoint, error) =>
        failures.push({
          name: entryPoint.name,
          code: (error as { code?: string } | null)?.code ?? null,
          message: describeError(error).message,
        }),
    });
    new lib.ExtensionManager(group, { registry });
    new lib.ExtensionManager(group, { registry });
    new lib.Registry({ root: t.root, cache: false }).scan();
    const warnings = spy.mock.calls.map(([message, options]) => ({
      code: String((options as { code?: string } | undefined)?.code),
      message: String(message),
    }));
    return { loaded: manager.names(), failures, warnings };
  } finally {
    spy.mockRestore();
  }
}

/** One manager with a callback, then two without (their failures become warnings). */
function threeManagers(t: PackageTree): LoaderOptions {
  return { root: t.root, group: GROUP, mode: 'sync', managers: 3, callback: 'first' };
}

/**
 * The same observation for loading, made in real Node processes through dist/ (inside jest,
 * require() is jest's own module loader, whose errors and messages are not Node's): what the
 * first of {@link threeManagers} saw, and the process's warnings.
 */
function observation(result: LoaderResult): Observation {
  expect(result.managers[2].loaded).toEqual(result.managers[0].loaded);
  return { ...result.managers[0], warnings: result.warnings };
}

/** Loader runs waiting for the file's beforeAll: each tree, the runs it needs, and where their results go. */
const pendingRuns: {
  make: () => PackageTree;
  runs: Partial<LoaderOptions>[];
  done: (t: PackageTree, results: LoaderResult[]) => void;
}[] = [];

/**
 * Makes every tree given to {@link loadedTogether} and {@link loadedInTurns}, then runs their loaders in as few
 * node processes on dist/ as can hold them: the n-th run of every tree in the n-th process (each tree with a
 * registry and managers of its own, one after the other), so that no process loads a tree twice (Node keeps
 * each ES module, and the error it threw, for the process's life). One node process costs more than the
 * loading of all the cases in it.
 */
beforeAll(() => {
  if (pendingRuns.length === 0) return;
  ensureBuilt();
  const made = pendingRuns.map(({ make }) => make());
  const results: LoaderResult[][] = made.map(() => []);
  const processes = Math.max(...pendingRuns.map(({ runs }) => runs.length));
  for (let n = 0; n < processes; n++) {
    const members = pendingRuns.flatMap(({ runs }, i) => (n < runs.length ? [i] : []));
    const options = members.map((i): LoaderOptions => ({ ...threeManagers(made[i]), ...pendingRuns[i].runs[n] }));
    runLoaders(options).forEach((result, j) => results[members[j]].push(result));
  }
  pendingRuns.forEach(({ done }, i) => done(made[i], results[i]));
});

/**
 * Loader runs for cases that need no process of their own (nothing in them can hang or outlive its managers),
 * made in the file's beforeAll. `runs` are the options (over {@link threeManagers}) of each run of every tree;
 * `make` builds each case's tree; `loaded(key)` is that case's tree and what each run reported, in order.
 */
function loadedInTurns<K extends string>(
  make: Record<K, () => PackageTree>,
  runs: Record<K, Partial<LoaderOptions>[]>,
): (key: K) => { t: PackageTree; results: LoaderResult[] } {
  const done = new Map<K, { t: PackageTree; results: LoaderResult[] }>();
  for (const key of Object.keys(make) as K[]) {
    pendingRuns.push({ make: make[key], runs: runs[key], done: (t, results) => done.set(key, { t, results }) });
  }
  return (key) => {
    const found = done.get(key);
    if (!found) throw new Error(`no tree was loaded for ${key}`);
    return found;
  };
}

/**
 * The loading of several cases' trees with three managers each ({@link threeManagers}), in a node process on
 * dist/ that other cases share (see {@link loadedInTurns}). `loaded(key)` is that case's tree and what the
 * process reported for it.
 */
function loadedTogether<K extends string>(
  make: Record<K, () => PackageTree>,
): (key: K) => { t: PackageTree; result: LoaderResult } {
  const once = Object.fromEntries(Object.keys(make).map((key) => [key, [{}]])) as Record<K, Partial<LoaderOptions>[]>;
  const loaded = loadedInTurns(make, once);
  return (key) => {
    const { t, results } = loaded(key);
    return { t, result: results[0] };
  };
}

/** Asserts that exactly one warning with `code` mentions every one of `parts`; returns it, made portable. */
function warnedOnce(t: PackageTree, obs: Observation, code: string, ...parts: string[]): string {
  const hits = obs.warnings.filter((w) => w.code === code && parts.every((part) => w.message.includes(part)));
  expect(hits).toHaveLength(1);
  return `${code}: ${portable(hits[0].message, { [t.dir]: '<tree>' })}`;
}

/** Asserts that the callback received exactly one failure for `name`, and one warning without a callback. */
function failedOnce(t: PackageTree, obs: Observation, name: string): string {
  expect(obs.failures.map((failure) => failure.name)).toEqual([name]);
  return warnedOnce(t, obs, 'STEVEDORE_LOAD_FAILED', `'${name}'`);
}

function expectGoodOnly(obs: Observation): void {
  expect(obs.loaded).toEqual(['good']);
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

const report = reliabilitySuite(
  'faults',
  'Fault suite: hostile and broken package trees',
  'Each case is a real package tree with a good plugin beside the bad one (`__tests__/faults.test.ts`). ' +
    'In every case the good plugin loaded; "warned once" means one `process.emitWarning` across three managers ' +
    'and two registries over the same tree (paths shortened to `<tree>`).',
);

describe('discovery: broken package.json files', () => {
  report.case('package.json is empty (0 bytes)', () => {
    const t = tree();
    rawPackage(t, 'empty', '');
    const obs = observe(t);
    expectGoodOnly(obs);
    expect(obs.warnings).toEqual([]);
    return 'ignored without a warning: it mentions no "entryPoints", and files that do not are never parsed';
  });

  report.case('package.json is truncated JSON that mentions "entryPoints"', () => {
    const t = tree();
    const file = rawPackage(t, 'truncated', `{"name": "truncated", "entryPoints": {"${GROUP}": {"bad": "./x.js"`);
    const obs = observe(t);
    expectGoodOnly(obs);
    return 'warned once, ' + warnedOnce(t, obs, 'STEVEDORE_UNREADABLE_PACKAGE', file, 'not valid JSON');
  });

  report.case('package.json is not UTF-8 (a Latin-1 byte in a string)', () => {
    const t = tree();
    const file = rawPackage(
      t,
      'latin1',
      Buffer.concat([
        Buffer.from('{"name": "latin1", "description": "caf'),
        Buffer.from([0xe9]),
        Buffer.from(`", "entryPoints": {"${GROUP}": {"bad": "./x.js"}}}`),
      ]),
    );
    const obs = observe(t);
    expectGoodOnly(obs);
    return 'warned once, ' + warnedOnce(t, obs, 'STEVEDORE_UNREADABLE_PACKAGE', file, 'not valid UTF-8');
  });

  report.case('package.json is UTF-16 with a byte order mark', () => {
    const t = tree();
    const text = `\ufeff{"name": "utf16", "entryPoints": {"${GROUP}": {"bad": "./x.js"}}}`;
    const file = rawPackage(t, 'utf16', Buffer.from(text, 'utf16le'));
    const obs = observe(t);
    expectGoodOnly(obs);
    return 'warned once, ' + warnedOnce(t, obs, 'STEVEDORE_UNREADABLE_PACKAGE', file, 'UTF-16');
  });

  report.case('package.json starts with a UTF-8 byte order mark', () => {
    const t = tree();
    rawPackage(t, 'bom', `\ufeff{"name": "bom", "entryPoints": {"${GROUP}": {"bom": "./x.js:X"}}}`, {
      'x.js': 'exports.X = 1;\n',
    });
    const obs = observe(t);
    expect(obs.loaded).toEqual(['bom', 'good']);
    expect(obs.warnings).toEqual([]);
    return 'read as Node reads it (the mark is skipped): its entry point loads, no warning';
  });

  report.case('package.json is 20 MB (a huge description) and declares one entry point', () => {
    const t = tree();
    const manifest = repeatedInside(
      json({ name: 'huge', description: '<description>', entryPoints: { [GROUP]: { huge: './x.js:X' } } }),
      '<description>',
      'x',
      20 * 1024 * 1024,
    );
    rawPackage(t, 'huge', manifest, { 'x.js': 'exports.X = 1;\n' });
    const obs = observe(t, GROUP, builtLibrary());
    expect(obs.loaded).toEqual(['good', 'huge']);
    expect(obs.warnings).toEqual([]);
    return 'read and parsed like any other (Node itself has no size limit): its entry point loads, no warning';
  });

  report.case('package.json is a folder', () => {
    const t = tree();
    const file = path.join(t.root, 'node_modules', 'folder-manifest', 'package.json');
    mkdirSync(file, { recursive: true });
    const obs = observe(t);
    expectGoodOnly(obs);
    return 'warned once, ' + warnedOnce(t, obs, 'STEVEDORE_UNREADABLE_PACKAGE', file, 'is a folder');
  });
});

describe('discovery: special files as package.json (scanned in a node process that a hang cannot stall)', () => {
  const specials: [title: string, make: (file: string) => void, words: string][] = [
    ['a named pipe (FIFO) that no one writes to', (file) => execFileSync('mkfifo', [file]), 'not a regular file'],
    ['a symbolic link to /dev/zero (endless)', (file) => symlinkSync('/dev/zero', file), 'not a regular file'],
  ];
  // Both trees in one process, killed after 30 s: a hang fails these cases instead of the run.
  const scanned = new Map<string, { t: PackageTree; file: string; result: LoaderResult }>();
  beforeAll(() => {
    ensureBuilt();
    const made = specials.map(([, make]) => {
      const t = tree();
      const file = path.join(t.root, 'node_modules', 'special', 'package.json');
      mkdirSync(path.dirname(file), { recursive: true });
      make(file);
      return { t, file };
    });
    const results = runLoaders(
      made.map(({ t }) => ({ root: t.root, group: GROUP, mode: 'sync' })),
      { timeout: 30_000 },
    );
    specials.forEach(([title], i) => scanned.set(title, { ...made[i], result: results[i] }));
  });

  for (const [title, , words] of specials) {
    report.case(`package.json is ${title}`, () => {
      const { t, file, result } = scanned.get(title)!;
      expect(result.managers[0].loaded).toEqual(['good']);
      const hits = result.warnings.filter((w) => w.message.includes(file) && w.message.includes(words));
      expect(hits).toHaveLength(1);
      return `not opened for reading, warned once, ${hits[0].code}: ${portable(hits[0].message, { [t.dir]: '<tree>' })}`;
    });
  }
});

describe('discovery: duplicate keys (JSON.parse keeps the last one silently)', () => {
  const duplicates: [title: string, text: string, loaded: string[], words: string][] = [
    [
      'the same entry point name twice in a group',
      `{"name": "dup", "entryPoints": {"${GROUP}": {"twice": "./a.js:A", "twice": "./b.js:B"}}}`,
      ['twice', 'good'],
      'entry point "twice" appears more than once',
    ],
    [
      'the same group twice in "entryPoints"',
      `{"name": "dup", "entryPoints": {"${GROUP}": {"first": "./a.js:A"}, "${GROUP}": {"second": "./b.js:B"}}}`,
      ['second', 'good'],
      `group "${GROUP}" appears more than once`,
    ],
    [
      'the "entryPoints" field twice',
      `{"name": "dup", "entryPoints": {"${GROUP}": {"first": "./a.js:A"}}, "entryPoints": {"${GROUP}": {"second": "./b.js:B"}}}`,
      ['second', 'good'],
      '"entryPoints" appears more than once',
    ],
  ];
  for (const [title, text, loaded, words] of duplicates) {
    report.case(`package.json has ${title}`, () => {
      const t = tree();
      const file = rawPackage(t, 'dup', text, { 'a.js': 'exports.A = 1;\n', 'b.js': 'exports.B = 2;\n' });
      const obs = observe(t);
      expect(obs.loaded).toEqual(loaded);
      const b = t.registry.entryPoints(GROUP).find((entryPoint) => entryPoint.dist?.name === 'dup');
      expect(b?.value).toBe('./b.js:B');
      return `the last one is used, as Node and npm do, and warned once, ${warnedOnce(t, obs, 'STEVEDORE_INVALID_DECLARATION', file, words)}`;
    });
  }
});

describe('discovery: "entryPoints" of the wrong type', () => {
  const wrong: [where: string, entryPoints: unknown, words: string][] = [
    ['the field is null', null, 'got null'],
    ['the field is a number', 42, 'got a number'],
    ['the field is a string', './index.js', 'got a string'],
    ['the field is a boolean', true, 'got a boolean'],
    ['the field is an array', [[GROUP, 'bad', './x.js']], 'got an array'],
    ['a group is null', { [GROUP]: null }, 'got null'],
    ['a group is a string', { [GROUP]: './x.js' }, 'got a string'],
    ['a group is an array', { [GROUP]: ['./x.js'] }, 'got an array'],
    ['a value is a number', { [GROUP]: { bad: 42 } }, 'got a number'],
    ['a value is null', { [GROUP]: { bad: null } }, 'got null'],
    ['a value is a boolean', { [GROUP]: { bad: false } }, 'got a boolean'],
    ['a value is an object', { [GROUP]: { bad: { module: './x.js' } } }, 'got an object'],
    ['a value is an array', { [GROUP]: { bad: ['./x.js'] } }, 'got an array'],
    ['a value is an empty string', { [GROUP]: { bad: '' } }, 'the module is empty'],
  ];
  for (const [where, entryPoints, words] of wrong) {
    report.case(`"entryPoints": ${where} (${json(entryPoints)})`, () => {
      const t = tree();
      const file = rawPackage(t, 'wrong-type', json({ name: 'wrong-type', entryPoints }));
      const obs = observe(t);
      expectGoodOnly(obs);
      return 'skipped, warned once, ' + warnedOnce(t, obs, 'STEVEDORE_INVALID_DECLARATION', file, words);
    });
  }
});

describe('discovery: prototype keys are data', () => {
  const keys = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];

  report.case(`${keys.join(', ')} as entry point names`, () => {
    const t = tree();
    const names = Object.fromEntries(keys.map((key) => [key, `./x.js:X`]));
    // JSON.stringify of a literal with "__proto__" would set the prototype: write the text by hand.
    const text = `{"name": "proto", "entryPoints": {"${GROUP}": {${keys.map((key) => `"${key}": "${names[key]}"`).join(', ')}}}}`;
    rawPackage(t, 'proto', text, { 'x.js': 'exports.X = class X {};\n' });
    const obs = observe(t);
    expect(obs.loaded).toEqual(['good', ...keys]);
    expect(obs.warnings).toEqual([]);
    expect(Object.keys(Object.prototype)).toEqual([]);
    const manager = new ExtensionManager(GROUP, { registry: t.registry });
    expect(manager.get('__proto__').name).toBe('__proto__');
    expect(manager.has('constructor')).toBe(true);
    return 'loaded like any other name, reachable with get() and has(); Object.prototype untouched, no warning';
  });

  report.case(`${keys.join(', ')} as group names`, () => {
    const t = tree();
    const groups = keys.map((key) => `"${key}": {"${key}-plugin": "./x.js:X"}`).join(', ');
    rawPackage(t, 'proto', `{"name": "proto", "entryPoints": {${groups}}}`, { 'x.js': 'exports.X = 1;\n' });
    const obs = observe(t);
    expectGoodOnly(obs);
    expect(obs.warnings).toEqual([]);
    for (const key of keys) {
      expect(new ExtensionManager(key, { registry: t.registry }).names()).toEqual([`${key}-plugin`]);
    }
    expect(t.registry.groups()).toEqual(expect.arrayContaining(keys));
    expect(Object.keys(Object.prototype)).toEqual([]);
    return 'each is a namespace like any other and its plugin loads; Object.prototype untouched, no warning';
  });
});

describe('discovery: values that must never be loaded', () => {
  const values: [label: string, value: string, words: string][] = [
    ['a "./" path that climbs out with ".."', './lib/../../outside.js', 'leads outside its package'],
    ['a "../" path', '../outside.js', 'must start with "./"'],
    ['an absolute path', '/etc/hostname', 'absolute paths are not allowed'],
    ['a Windows absolute path', 'C:\\plugins\\x.js', 'absolute paths are not allowed'],
    ['a file: URL', 'file:///etc/hostname', 'URLs are not allowed'],
    ['a data: URL', 'data:text/javascript,export default 1', 'URLs are not allowed'],
    ['an http: URL', 'http://127.0.0.1/plugin.js', 'URLs are not allowed'],
    ['an unknown node: built-in', 'node:no-such-module', 'not a Node.js built-in'],
    ['a bare specifier with a ".." segment', 'some-pkg/../../outside.js', 'is not a package name'],
    ['a bad attribute', './x.js:1bad', 'not a dotted path'],
    ['an empty attribute', './x.js:', 'nothing after ":"'],
  ];
  for (const [label, value, words] of values) {
    report.case(`value is ${label}: ${json(value)}`, () => {
      const t = tree();
      // A file the value could reach if it were followed: it records that it ran.
      const marker = path.join(t.dir, 'outside-ran');
      writeFileSync(
        path.join(t.root, 'node_modules', 'outside.js'),
        `require('fs').writeFileSync(${json(marker)}, '');\n`,
      );
      const file = rawPackage(t, 'hostile', json({ name: 'hostile', entryPoints: { [GROUP]: { bad: value } } }));
      const obs = observe(t);
      expectGoodOnly(obs);
      expect(existsSync(marker)).toBe(false);
      return 'never loaded, warned once, ' + warnedOnce(t, obs, 'STEVEDORE_INVALID_DECLARATION', file, words);
    });
  }
});

describe('discovery: symbolic links', () => {
  // The module links are loaded in a real node process (see loadedTogether).
  const linked = loadedTogether({
    escape: () => {
      const t = tree([{ name: 'escape', entryPoints: { [GROUP]: { escape: './escape.js' } } }]);
      const marker = path.join(t.dir, 'outside-ran');
      writeFileSync(path.join(t.dir, 'outside.js'), `require('fs').writeFileSync(${json(marker)}, '');\n`);
      symlinkSync(path.join(t.dir, 'outside.js'), path.join(t.root, 'node_modules', 'escape', 'escape.js'));
      return t;
    },
    dangling: () => {
      const t = tree([{ name: 'dangling', entryPoints: { [GROUP]: { dangling: './gone.js' } } }]);
      symlinkSync(path.join(t.dir, 'nowhere.js'), path.join(t.root, 'node_modules', 'dangling', 'gone.js'));
      return t;
    },
    looping: () => {
      const t = tree([{ name: 'looping', entryPoints: { [GROUP]: { looping: './loop.js' } } }]);
      symlinkSync('loop.js', path.join(t.root, 'node_modules', 'looping', 'loop.js'));
      return t;
    },
  });

  report.case('a package folder that is a symbolic link loop', () => {
    const t = tree();
    const link = path.join(t.root, 'node_modules', 'loop');
    symlinkSync('loop', link);
    const obs = observe(t);
    expectGoodOnly(obs);
    return 'warned once, ' + warnedOnce(t, obs, 'STEVEDORE_UNREADABLE_PACKAGE', link, 'ELOOP');
  });

  report.case('a scope folder that links back to node_modules', () => {
    const t = tree();
    symlinkSync('.', path.join(t.root, 'node_modules', '@loop'));
    const obs = observe(t);
    expectGoodOnly(obs);
    expect(obs.warnings).toEqual([]);
    return 'terminates; the package seen again as @loop/good-plugin counts once (same real path), no warning';
  });

  report.case('a broken symbolic link in node_modules', () => {
    const t = tree();
    const link = path.join(t.root, 'node_modules', 'broken');
    symlinkSync(path.join(t.dir, 'deleted-package'), link);
    const obs = observe(t);
    expectGoodOnly(obs);
    return 'warned once, ' + warnedOnce(t, obs, 'STEVEDORE_UNREADABLE_PACKAGE', link, 'broken symbolic link');
  });

  report.case('a package linked from outside the tree (npm link)', () => {
    const t = tree([
      {
        name: 'linked',
        linked: true,
        entryPoints: { [GROUP]: { linked: './x.js:X' } },
        files: { 'x.js': 'exports.X = 1;\n' },
      },
    ]);
    const obs = observe(t);
    expect(obs.loaded).toEqual(['good', 'linked']);
    expect(obs.warnings).toEqual([]);
    expect(t.registry.entryPoints(GROUP)[1].dist?.root).toBe(path.join(t.dir, 'linked', 'linked'));
    return 'found and loaded from its real path, as Node would require it; no warning';
  });

  report.case('an entry point module that is a symbolic link to a file outside its package', () => {
    const { t, result } = linked('escape');
    const obs = observation(result);
    expectGoodOnly(obs);
    expect(existsSync(path.join(t.dir, 'outside-ran'))).toBe(false);
    expect(obs.failures[0].code).toBe('STEVEDORE_OUTSIDE_PACKAGE');
    return 'refused before it is required, load failure reported once: ' + failedOnce(t, obs, 'escape');
  });

  report.case('an entry point module that is a broken symbolic link', () => {
    const { t, result } = linked('dangling');
    const obs = observation(result);
    expectGoodOnly(obs);
    return 'load failure reported once: ' + failedOnce(t, obs, 'dangling');
  });

  report.case('an entry point module that is a symbolic link loop', () => {
    const { t, result } = linked('looping');
    const obs = observation(result);
    expectGoodOnly(obs);
    return 'load failure reported once: ' + failedOnce(t, obs, 'looping');
  });
});

describe('discovery: size', () => {
  report.case('10,000 entry points in one package', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `p${String(i).padStart(5, '0')}`);
    const t = tree([
      {
        name: 'many',
        entryPoints: { [GROUP]: Object.fromEntries(names.map((name) => [name, './x.js:X'])) },
        files: { 'x.js': 'exports.X = 1;\n' },
      },
    ]);
    const obs = observe(t, GROUP, builtLibrary());
    expect(obs.loaded).toEqual(['good', ...names]);
    expect(obs.warnings).toEqual([]);
    return 'all 10,000 discovered in declaration order and loaded (one module instance), no warning';
  });
});

describe('discovery: hostile sizes and depths (each costs time linear in its size)', () => {
  beforeAll(ensureBuilt);

  const DEPTH = 100_000;
  const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
  const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
  const X = { 'x.js': 'exports.X = 1;\n' };

  /** Asserts that the registry's scan has exactly one problem, about `file`, `group` and `name`; returns its reason. */
  function oneProblem(registry: Registry, file: string, group: string | null, name: string | null): string {
    const problems = registry.scan().problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file, group, name });
    expect(problems[0].reason.length).toBeLessThan(400);
    return problems[0].reason;
  }

  const bad: [title: string, manifest: () => string, group: string | null, name: string | null, words: string][] = [
    [
      'an entry point value of 100,000 characters (an unclosed "[" and 100,000 spaces)',
      () => json({ name: 'hostile', entryPoints: { [GROUP]: { bad: `./a.js [${' '.repeat(100_000)}x` } } }),
      GROUP,
      'bad',
      '(100009 characters): an unclosed "["',
    ],
    [
      'an array nested 100,000 deep as an entry point value',
      () => `{"name": "hostile", "entryPoints": {"${GROUP}": {"bad": ${deepArray}}}}`,
      GROUP,
      'bad',
      'skipped: invalid entry point value: expected a string, got an array',
    ],
    [
      'an object nested 100,000 deep as an entry point value',
      () => `{"name": "hostile", "entryPoints": {"${GROUP}": {"bad": ${deepObject}}}}`,
      GROUP,
      'bad',
      'expected a string, got an object',
    ],
    [
      'an array nested 100,000 deep as a group',
      () => `{"name": "hostile", "entryPoints": {"${GROUP}": ${deepArray}}}`,
      GROUP,
      null,
      `group "${GROUP}" skipped: it must be an object of name: value; got an array`,
    ],
    [
      'an array nested 100,000 deep as "entryPoints"',
      () => `{"name": "hostile", "entryPoints": ${deepArray}}`,
      null,
      null,
      '"entryPoints" must be an object of groups, each an object of name: value; got an array',
    ],
  ];
  for (const [title, manifest, group, name, words] of bad) {
    report.case(`package.json has ${title}`, () => {
      const t = tree();
      const file = rawPackage(t, 'hostile', manifest());
      const obs = observe(t);
      expectGoodOnly(obs);
      expect(oneProblem(t.registry, file, group, name)).toContain(words);
      return 'skipped, warned once, ' + warnedOnce(t, obs, 'STEVEDORE_INVALID_DECLARATION', file, words);
    });
  }

  // Nothing is wrong with a deep array elsewhere; the repeated name is there to have one warning to count,
  // and the escapes (a `\u` spelling "entryPoints", escaped quotes, a nested "entryPoints") are read as JSON.parse reads them.
  const elsewhere: [title: string, before: string][] = [
    ['a 200 KB package.json nested 100,000 deep outside "entryPoints"', ''],
    [
      'a 200 KB package.json nested 100,000 deep outside "entryPoints", with escapes elsewhere',
      '"description": "a \\"quoted\\" \\u0065ntryPoints \\\\", "x": {"entryPoints": {"main": 1, "main": 2}}, ',
    ],
  ];
  const deepText = (before: string): string =>
    `{"name": "deep", ${before}"config": ${deepArray}, ` +
    `"entryPoints": {"${GROUP}": {"deep": "./x.js:X", "deep": "./x.js:X"}}, "more": ${deepObject}}`;
  // Loaded in a real node process: jest's own module resolver does not get past this package.json.
  const deepLoaded = loadedTogether(
    Object.fromEntries(
      elsewhere.map(([title, before]) => [
        title,
        () => {
          const t = tree();
          rawPackage(t, 'deep', deepText(before), X);
          return t;
        },
      ]),
    ),
  );
  for (const [title, before] of elsewhere) {
    report.case(title, () => {
      expect(deepText(before).length).toBeGreaterThan(200_000);
      const { t, result } = deepLoaded(title);
      const file = path.join(t.root, 'node_modules', 'deep', 'package.json');
      const obs = observation(result);
      expect(obs.loaded).toEqual(['deep', 'good']);
      expect(oneProblem(t.registry, file, GROUP, 'deep')).toContain('appears more than once');
      return (
        'its entry point loads; ' +
        warnedOnce(t, obs, 'STEVEDORE_INVALID_DECLARATION', file, 'entry point "deep" appears more than once')
      );
    });
  }

  report.case(
    'package.json is 50 MB (a description full of escapes) and declares a good and a bad entry point',
    () => {
      const t = tree();
      const text = repeatedInside(
        `{"name": "huge", "description": "<description>", "entryPoints": {"${GROUP}": {"huge": "./x.js:X", "bad": 42}}}`,
        '<description>',
        'caf\\u00e9 \\"x\\" ',
        Math.ceil((50 * 1024 * 1024) / 16),
      );
      expect(text.length).toBeGreaterThan(50 * 1024 * 1024);
      const file = rawPackage(t, 'huge', text, X);
      const lib = builtLibrary();
      const registry = registryOf(t, lib);
      const obs = observe(t, GROUP, lib, registry);
      expect(obs.loaded).toEqual(['good', 'huge']);
      expect(oneProblem(registry, file, GROUP, 'bad')).toContain('expected a string, got a number');
      return (
        'read once and parsed; its good entry point loads, ' +
        warnedOnce(t, obs, 'STEVEDORE_INVALID_DECLARATION', file, 'got a number')
      );
    },
    120_000,
  );

  report.case('"entryPoints" only under another field (a bundler\'s config), with a repeated key there', () => {
    const t = tree();
    rawPackage(
      t,
      'bundled',
      json({ name: 'bundled', esbuildConfig: { entryPoints: { main: './a.js' } } }).replace(
        '{"main":"./a.js"}',
        '{"main": "./a.js", "main": "./b.js"}',
      ),
    );
    const obs = observe(t);
    expectGoodOnly(obs);
    expect(obs.warnings).toEqual([]);
    return 'declares nothing: no warning';
  });
});

describe('discovery: folders and files without read permission', () => {
  // Tests run as root, and root reads a mode-000 folder anyway. The honest way to
  // test it is a real unprivileged reader: the scan runs in a child process as
  // uid/gid 65534 (nobody), through the built library (not running as root, the
  // tests are such a reader themselves).
  const nobody = unprivilegedLoader();
  const { unavailable } = nobody;
  const permissionCase = report.unless(unavailable);

  function nobodyWarnedOnce(t: PackageTree, result: LoaderResult, code: string, ...parts: string[]): string {
    const hits = result.warnings.filter((w) => w.code === code && parts.every((part) => w.message.includes(part)));
    expect(hits).toHaveLength(1);
    return `${code}: ${portable(hits[0].message, { [t.dir]: '<tree>' })}`;
  }

  // Both trees are made, locked, scanned in one process as that user (one after the other), and unlocked here:
  // not running as root, they could not be removed otherwise.
  let locked: { t: PackageTree; result: LoaderResult };
  let lockedModules: { t: PackageTree; result: LoaderResult };
  beforeAll(() => {
    if (unavailable) return;
    ensureBuilt();
    const t = tree([
      { name: 'secret', entryPoints: { [GROUP]: { secret: './x.js' } } },
      { name: '@locked/plugin', entryPoints: { [GROUP]: { locked: './x.js' } } },
      { name: 'private-manifest', entryPoints: { [GROUP]: { private: './x.js' } } },
    ]);
    const own = createPackageTree({
      app: {
        name: 'app',
        entryPoints: { [GROUP]: { own: './own.js:Own' } },
        files: { 'own.js': 'exports.Own = 1;\n' },
      },
      packages: [GOOD],
    });
    trees.push(own);
    const modules = path.join(t.root, 'node_modules');
    const closed = [path.join(modules, 'secret'), path.join(modules, '@locked'), path.join(own.root, 'node_modules')];
    for (const dir of closed) chmodSync(dir, 0o000);
    chmodSync(path.join(modules, 'private-manifest', 'package.json'), 0o000);
    try {
      for (const made of [t, own]) chmodSync(made.dir, 0o755);
      const [first, second] = nobody.runAll([t, own].map((made) => ({ root: made.root, group: GROUP, mode: 'sync' })));
      locked = { t, result: first };
      lockedModules = { t: own, result: second };
    } finally {
      for (const dir of closed) chmodSync(dir, 0o755);
    }
  });

  permissionCase('a package folder, a scope folder and a package.json nobody may read (scan as uid 65534)', () => {
    const { t, result } = locked;
    const modules = path.join(t.root, 'node_modules');
    expect(result.managers[0].loaded).toEqual(['good']);
    expect(result.warnings).toHaveLength(3);
    return [
      nobodyWarnedOnce(t, result, 'STEVEDORE_UNREADABLE_PACKAGE', path.join(modules, 'secret'), 'EACCES'),
      nobodyWarnedOnce(t, result, 'STEVEDORE_UNREADABLE_PACKAGE', path.join(modules, '@locked'), 'EACCES'),
      nobodyWarnedOnce(t, result, 'STEVEDORE_UNREADABLE_PACKAGE', 'private-manifest', 'EACCES'),
    ].join('; ');
  });

  permissionCase('the node_modules folder itself cannot be read (scan as uid 65534)', () => {
    const { t, result } = lockedModules;
    expect(result.managers[0].loaded).toEqual(['own']);
    const warned = nobodyWarnedOnce(
      t,
      result,
      'STEVEDORE_UNREADABLE_PACKAGE',
      path.join(t.root, 'node_modules'),
      'EACCES',
    );
    return `the application's own entry points still load; ${warned}`;
  });
});

describe('loading: CommonJS plugins that fail (real node processes on dist/)', () => {
  function failing(name: string, source: string, value = './index.js:Plugin'): PackageTree {
    return tree([{ name, entryPoints: { [GROUP]: { [name]: value } }, files: { 'index.js': source } }]);
  }

  const loaded = loadedTogether({
    thrower: () => failing('thrower', "throw new Error('boom at import');\n"),
    syntax: () => failing('syntax', 'exports.Plugin = class {\n'),
    self: () =>
      failing('self', "const self = require('./index.js');\nexports.Plugin = class Plugin {};\nexports.self = self;\n"),
    cycle: () =>
      tree([
        {
          name: 'cycle',
          entryPoints: { [GROUP]: { cycle: './a.js:Plugin' } },
          files: {
            'a.js': "exports.Plugin = class Plugin {};\nexports.peer = require('./b.js');\n",
            'b.js': "exports.back = require('./a.js');\n",
          },
        },
      ]),
    getter: () =>
      failing(
        'getter',
        "Object.defineProperty(exports, 'Plugin', { get() { throw new Error('no plugin today'); } });\n",
      ),
    'missing-attr': () => failing('missing-attr', 'exports.Other = 1;\n'),
    'no-file': () => failing('no-file', 'exports.Plugin = 1;\n', './missing.js:Plugin'),
  });
  const observed = (key: Parameters<typeof loaded>[0]) => {
    const { t, result } = loaded(key);
    return { t, obs: observation(result) };
  };

  report.case('a plugin that throws an Error when required', () => {
    const { t, obs } = observed('thrower');
    expectGoodOnly(obs);
    expect(obs.failures[0].message).toBe('boom at import');
    return 'the callback gets the original error; ' + failedOnce(t, obs, 'thrower');
  });

  report.case('a plugin with a syntax error', () => {
    const { t, obs } = observed('syntax');
    expectGoodOnly(obs);
    return failedOnce(t, obs, 'syntax');
  });

  report.case('a plugin that requires itself', () => {
    const { obs } = observed('self');
    expect(obs.loaded).toEqual(['good', 'self']);
    expect(obs.warnings).toEqual([]);
    return 'loads (Node hands the cycle the partly filled exports), no warning';
  });

  report.case('two modules that require each other', () => {
    const { obs } = observed('cycle');
    expect(obs.loaded).toEqual(['cycle', 'good']);
    expect(obs.warnings).toEqual([]);
    return 'loads, no warning';
  });

  report.case('an attribute whose getter throws', () => {
    const { t, obs } = observed('getter');
    expectGoodOnly(obs);
    return failedOnce(t, obs, 'getter');
  });

  report.case('an attribute that does not exist', () => {
    const { t, obs } = observed('missing-attr');
    expectGoodOnly(obs);
    expect(obs.failures[0].code).toBe('STEVEDORE_ATTRIBUTE_NOT_FOUND');
    return failedOnce(t, obs, 'missing-attr');
  });

  report.case('a module file that does not exist', () => {
    const { t, obs } = observed('no-file');
    expectGoodOnly(obs);
    return failedOnce(t, obs, 'no-file');
  });
});

describe('loading: ES modules, top-level await, never-settling plugins (real node processes on dist/)', () => {
  function esmTree(name: string, files: Record<string, string>, value = './index.mjs'): PackageTree {
    return tree([{ name, entryPoints: { [GROUP]: { [name]: value } }, files }]);
  }

  // One manager, with a callback, in each run; a tree loaded by both APIs gets a process for each (see loadedInTurns).
  const sync: Partial<LoaderOptions> = { mode: 'sync', managers: 1, callback: true };
  const create: Partial<LoaderOptions> = { ...sync, mode: 'create' };
  const runs = loadedInTurns(
    {
      'esm-thrower': () =>
        esmTree('esm-thrower', { 'index.mjs': "export const x = 1;\nthrow new Error('esm boom');\n" }),
      'esm-odd': () => esmTree('esm-odd', { 'index.mjs': 'throw Object.create(null);\n' }),
      'esm-self': () =>
        esmTree('esm-self', {
          'index.mjs':
            "import * as self from './index.mjs';\nexport default class Self {}\nexport const me = () => self;\n",
        }),
      'esm-cycle': () =>
        esmTree('esm-cycle', {
          'index.mjs':
            "import { b } from './b.mjs';\nawait Promise.resolve();\nexport const a = 'a';\nexport const both = () => a + b;\n",
          'b.mjs':
            "import { a } from './index.mjs';\nawait Promise.resolve();\nexport const b = 'b';\nexport const peek = () => a;\n",
        }),
      'esm-tla': () => esmTree('esm-tla', { 'index.mjs': 'await Promise.resolve();\nexport default class Late {}\n' }),
    },
    {
      'esm-thrower': [sync, create],
      'esm-odd': [create],
      'esm-self': [sync, create],
      'esm-cycle': [create],
      'esm-tla': [sync, create],
    },
  );

  // The plugins that never settle share a process of their own: nothing else keeps it alive, so it reports
  // only if each one's timeout timer holds the event loop (they run one after the other).
  let forever: Record<'esm-forever' | 'never-ready', { t: PackageTree; result: LoaderResult }>;
  beforeAll(() => {
    ensureBuilt();
    const trees = {
      'esm-forever': esmTree('esm-forever', { 'index.mjs': 'await new Promise(() => {});\nexport default 1;\n' }),
      'never-ready': esmTree(
        'never-ready',
        { 'index.mjs': 'export default function never() { return new Promise(() => {}); }\n' },
        './index.mjs:default',
      ),
    };
    const [waited, invoked] = runLoaders([
      { root: trees['esm-forever'].root, group: GROUP, mode: 'create', loadTimeout: 500 },
      { root: trees['never-ready'].root, group: GROUP, mode: 'create', loadTimeout: 500, invokeOnLoad: true },
    ]);
    forever = {
      'esm-forever': { t: trees['esm-forever'], result: waited },
      'never-ready': { t: trees['never-ready'], result: invoked },
    };
  });

  /** One failure for `name` in the one manager; returns its message, portable. */
  function childFailedOnce(t: PackageTree, result: LoaderResult, name: string): string {
    const { failures } = result.managers[0];
    expect(failures.map((failure) => failure.name)).toEqual([name]);
    const { code, message } = failures[0];
    return `${code ?? 'error'}: ${portable(message, { [t.dir]: '<tree>' })}`;
  }

  report.case('an ES module that throws when imported (require() and create())', () => {
    const {
      t,
      results: [sync, created],
    } = runs('esm-thrower');
    for (const result of [sync, created]) expect(result.managers[0].loaded).toEqual(['good']);
    const outcome = childFailedOnce(t, created, 'esm-thrower');
    expect(childFailedOnce(t, sync, 'esm-thrower')).toBe(outcome);
    return `reported once by both APIs with the original error: ${outcome}`;
  });

  report.case('an ES module that throws an object without a prototype, under create()', () => {
    const {
      t,
      results: [created],
    } = runs('esm-odd');
    expect(created.managers[0].loaded).toEqual(['good']);
    expect(childFailedOnce(t, created, 'esm-odd')).toBe('error: <cannot be read>');
    return 'reported once to the callback with the value as thrown; nothing else breaks';
  });

  report.case('an ES module that imports itself (require() and create())', () => {
    const { results } = runs('esm-self');
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.managers[0]).toEqual({ loaded: ['esm-self', 'good'], failures: [] });
      expect(result.warnings).toEqual([]);
    }
    return 'loads with both APIs, no warning';
  });

  report.case('two ES modules with top-level await that import each other, under create()', () => {
    const {
      results: [result],
    } = runs('esm-cycle');
    expect(result.managers[0]).toEqual({ loaded: ['esm-cycle', 'good'], failures: [] });
    return 'loads, no warning';
  });

  report.case('an ES module with top-level await under the synchronous API', () => {
    const {
      t,
      results: [sync, created],
    } = runs('esm-tla');
    expect(sync.managers[0].loaded).toEqual(['good']);
    const outcome = childFailedOnce(t, sync, 'esm-tla');
    expect(outcome).toContain('create()');
    expect(sync.managers[0].failures[0].code).toBe('STEVEDORE_ASYNC_MODULE');
    expect(created.managers[0]).toEqual({ loaded: ['esm-tla', 'good'], failures: [] });
    return `load failure that names create(): ${outcome}. Under create() it loads`;
  });

  report.case('an ES module whose top-level await never settles, under create() with loadTimeout', () => {
    const { t, result } = forever['esm-forever'];
    expect(result.managers[0].loaded).toEqual(['good']);
    const outcome = childFailedOnce(t, result, 'esm-forever');
    expect(result.managers[0].failures[0].code).toBe('STEVEDORE_LOAD_TIMEOUT');
    return `create() resolves with the others loaded and this one a load failure: ${outcome}`;
  });

  report.case('a plugin whose invocation never settles, under create() with invokeOnLoad and loadTimeout', () => {
    const { t, result } = forever['never-ready'];
    expect(result.managers[0].loaded).toEqual(['good']);
    expect(result.managers[0].failures[0].code).toBe('STEVEDORE_LOAD_TIMEOUT');
    return `a load failure after loadTimeout: ${childFailedOnce(t, result, 'never-ready')}`;
  });
  const thrown: [label: string, statement: string, kind: string][] = [
    ['a string', "throw 'a plain string';", 'string'],
    ['null', 'throw null;', 'null'],
    ['undefined', 'throw undefined;', 'undefined'],
    ['a number', 'throw 42;', 'number'],
    ['an object without a prototype', 'throw Object.create(null);', '[object Object]'],
    [
      'a Proxy whose every trap throws',
      "throw new Proxy({}, new Proxy({}, { get: () => () => { throw new Error('trap'); } }));",
      // Node's loader reads properties of what was thrown: the trap's own Error is what propagates.
      '[object Error]',
    ],
    [
      'an Error whose message getter throws',
      "const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('getter'); } }); throw e;",
      '[object Error]',
    ],
  ];
  const thrownLoaded = loadedTogether(
    Object.fromEntries(
      thrown.map(([label, statement]) => [
        label,
        () => esmTree('odd-thrower', { 'index.js': `${statement}\n` }, './index.js:Plugin'),
      ]),
    ),
  );
  for (const [label, , kind] of thrown) {
    report.case(`a CommonJS plugin that throws ${label} when required`, () => {
      const { t, result } = thrownLoaded(label);
      expect(result.managers.map((manager) => manager.loaded)).toEqual([['good'], ['good'], ['good']]);
      const { failures } = result.managers[0];
      expect(failures.map((failure) => [failure.name, failure.kind])).toEqual([['odd-thrower', kind]]);
      const warned = result.warnings.filter((warning) => warning.code === 'STEVEDORE_LOAD_FAILED');
      expect(warned).toHaveLength(1);
      expect(warned[0].message).toContain(`'odd-thrower'`);
      return `the callback gets the value as thrown; without one, warned once: ${portable(warned[0].message, { [t.dir]: '<tree>' })}`;
    });
  }
});

describe("the application's own hooks", () => {
  report.case('a beforeLoad hook that throws for one entry point (constructor and create())', async () => {
    const t = tree([{ name: 'vetoed', entryPoints: { [GROUP]: { vetoed: './x.js' } }, files: { 'x.js': '' } }]);
    t.registry.hooks.beforeLoad.tap('test', (entryPoint) => {
      if (entryPoint.name === 'vetoed') throw new Error('hook exploded');
      return undefined;
    });
    const outcomes: string[][] = [];
    for (const build of [
      (options: object) => Promise.resolve(new ExtensionManager(GROUP, options)),
      (options: object) => ExtensionManager.create(GROUP, options),
    ]) {
      const failures: string[] = [];
      const manager = await build({
        registry: t.registry,
        onLoadFailureCallback: (_m: unknown, entryPoint: { name: string }, error: Error) =>
          failures.push(`${entryPoint.name}: ${error.message}`),
      });
      expect(manager.names()).toEqual(['good']);
      outcomes.push(failures);
    }
    expect(outcomes).toEqual([['vetoed: hook exploded'], ['vetoed: hook exploded']]);
    return "both APIs report it as that entry point's load failure (with the hook's error) and load the others";
  });
});

describe('the on-disk cache', () => {
  // A cache file planted in the current format, by someone who could write as this user: everything in it that names
  // a folder or a module is checked, and code outside the scanned tree never loads from it.
  const clock = (): number => Date.now() + 60_000;
  const planted: [title: string, tamper: (parts: CacheFileParts, t: PackageTree) => void][] = [
    [
      'an installed name leading out of node_modules ("../../evil")',
      (parts) => {
        const section = parts.groups.get(GROUP) as GroupSection;
        section[0][2][0] = '../../evil';
      },
    ],
    [
      'a package folder outside the folder it was found in',
      (parts, t) => {
        const section = parts.groups.get(GROUP) as GroupSection;
        section[0][3][0] = path.join(t.dir, 'evil');
      },
    ],
    [
      'a module that leads out of its package ("../../evil/index.js")',
      (parts) => {
        for (const value of (parts.groups.get(GROUP) as GroupSection)[1]) value[1] = '../../evil/index.js';
      },
    ],
    [
      'a source that is not one of the folders searched',
      (parts, t) => {
        parts.header.sources = [path.join(t.dir, 'evil')];
      },
    ],
    [
      'a package folder written with ".." segments that lead out of it',
      (parts, t) => {
        const section = parts.groups.get(GROUP) as GroupSection;
        section[0][3][0] = path.join(t.root, 'node_modules') + '/../../evil';
      },
    ],
  ];
  for (const [title, tamper] of planted) {
    report.case(`a planted cache file: ${title}`, () => {
      const t = tree();
      const marker = path.join(t.dir, 'evil-ran');
      mkdirSync(path.join(t.dir, 'evil'));
      writeFileSync(
        path.join(t.dir, 'evil', 'index.js'),
        `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); exports.Good = class {};\n`,
      );
      const cacheDir = path.join(t.dir, 'cache');
      const options = { root: t.root, cacheDir, clock };
      new Registry(options).entryPoints();
      const file = cacheFileFor(cacheDir, new Registry(options).cacheKey);
      rewriteCacheFile(file, (parts) => tamper(parts, t));
      const registry = new Registry(options);
      const manager = new ExtensionManager(GROUP, { registry, invokeOnLoad: true });
      expect(manager.names()).toEqual(['good']);
      expect(registry.entryPoints(GROUP)[0].dist?.root).toBe(path.join(t.root, 'node_modules', 'good-plugin'));
      expect(existsSync(marker)).toBe(false);
      return 'refused: the good plugin loads from its own folder, and nothing the file points at outside the tree ran';
    });
  }
});
