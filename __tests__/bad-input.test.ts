/**
 * Bad input: every malformed declaration or unreadable
 * package is skipped with exactly one STEVEDORE_* warning naming the file
 * and the reason, discovery of the rest goes on, and each warning is emitted
 * once per process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Registry } from '../lib/registry';
import { runModuleScript } from './support/processes';
import type { TempDir } from './support/temp';
import { copyLayout, tempDir } from './support/temp';
import type { RecordedWarning } from './support/warnings';
import { forgetReportedWarnings, recordWarnings } from './support/warnings';

const names = (registry: Registry, group = 'layout.test'): string[] =>
  registry.entryPoints(group).map((entryPoint) => entryPoint.name);

let layout: TempDir;
let app: string;
let modules: string;
beforeEach(() => {
  forgetReportedWarnings();
  layout = copyLayout('broken');
  app = path.join(layout.dir, 'app');
  modules = path.join(app, 'node_modules');
});
afterEach(() => layout.cleanup());

/** What each broken package of the layout must be reported as: [package folder, file, code, reason]. */
function expectedProblems(): [string, string, RegExp][] {
  const file = (pkg: string, ...rest: string[]): string => path.join(modules, pkg, ...rest);
  return [
    [file('array-manifest', 'package.json'), 'STEVEDORE_UNREADABLE_PACKAGE', /^does not hold a JSON object$/],
    [
      file('bad-grammar', 'package.json'),
      'STEVEDORE_INVALID_DECLARATION',
      /entry point "bad" in group "layout\.test" skipped: invalid entry point value "\.\/index\.js:1bad": attribute "1bad"/,
    ],
    [
      file('broken-link'),
      'STEVEDORE_UNREADABLE_PACKAGE',
      /^broken symbolic link to \.\.\/\.\.\/nowhere: ENOENT: no such file or directory/,
    ],
    [
      file('ep-array', 'package.json'),
      'STEVEDORE_INVALID_DECLARATION',
      /"entryPoints" must be an object of groups.*got an array/,
    ],
    [file('ep-null', 'package.json'), 'STEVEDORE_INVALID_DECLARATION', /"entryPoints" must be an object.*got null/],
    [
      file('ep-string', 'package.json'),
      'STEVEDORE_INVALID_DECLARATION',
      /"entryPoints" must be an object.*got a string/,
    ],
    [
      file('escaping', 'package.json'),
      'STEVEDORE_INVALID_DECLARATION',
      /entry point "escape" in group "layout\.test" skipped: .*relative paths must start with "\.\/" and stay inside the package/,
    ],
    [
      file('group-not-object', 'package.json'),
      'STEVEDORE_INVALID_DECLARATION',
      /group "layout\.test" skipped: it must be an object of name: value; got an array/,
    ],
    [file('not-json', 'package.json'), 'STEVEDORE_UNREADABLE_PACKAGE', /not valid JSON: /],
    [file('pkgjson-folder', 'package.json'), 'STEVEDORE_UNREADABLE_PACKAGE', /package\.json is a folder/],
    [
      file('value-not-string', 'package.json'),
      'STEVEDORE_INVALID_DECLARATION',
      /entry point "number" in group "layout\.test" skipped: .*expected a string, got a number/,
    ],
  ];
}

function expectOneWarningEach(warnings: RecordedWarning[]): void {
  const expected = expectedProblems();
  expect(warnings).toHaveLength(expected.length);
  for (const [file, code, reason] of expected) {
    const matching = warnings.filter((warning) => warning.message.startsWith(`${file}: `));
    expect(matching).toHaveLength(1);
    expect(matching[0]).toMatchObject({ type: 'StevedoreWarning', code });
    expect(matching[0].message.slice(file.length + 2)).toMatch(reason);
  }
}

test('each broken package is skipped with exactly one warning naming the file and the reason', () => {
  const recorded = recordWarnings();
  let registry: Registry;
  try {
    registry = new Registry({ root: app, cache: false });
    registry.entryPoints();
  } finally {
    recorded.restore();
  }
  expectOneWarningEach(recorded.warnings);
});

test('discovery of everything else goes on, valid entries of a package with bad ones included', () => {
  const recorded = recordWarnings();
  try {
    const registry = new Registry({ root: app, cache: false });
    expect(names(registry)).toEqual(['good', 'grammar-ok', 'value-ok', 'late-good']);
    expect(names(registry, 'layout.ok')).toEqual(['group-ok']);
    expect(registry.entryPoints('layout.test').map((entryPoint) => entryPoint.load())).toEqual([
      'good',
      'grammar-ok',
      'value-ok',
      'late-good',
    ]);
    expect(registry.scan().problems).toHaveLength(expectedProblems().length);
  } finally {
    recorded.restore();
  }
});

test('two registries over the same broken tree: still one warning each; refresh() forgets, so it is reported again', () => {
  const recorded = recordWarnings();
  try {
    const first = new Registry({ root: app, cache: false });
    first.entryPoints();
    new Registry({ root: app, cache: false }).entryPoints();
    expectOneWarningEach(recorded.warnings);
    // A refreshed registry reads the tree anew: what is still broken there is news again.
    first.refresh();
    first.entryPoints();
  } finally {
    recorded.restore();
  }
  expect(recorded.warnings).toHaveLength(2 * expectedProblems().length);
});

test('in a real process, warnings reach process.on("warning") once per process', () => {
  const out = runModuleScript<{ warnings: { name: string; code: string; message: string }[]; names: string[] }>(
    `
    import { Registry } from $STEVEDORE;
    const warnings = [];
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }));
    const first = new Registry({ root: process.env.APP, cache: false });
    const second = new Registry({ root: process.env.APP, cache: false });
    const names = [...first.entryPoints('layout.test'), ...second.entryPoints('layout.test')].map((e) => e.name);
    await new Promise((resolve) => setImmediate(resolve));
    console.log(JSON.stringify({ warnings, names }));
    `,
    { env: { APP: app } },
  );
  expect(out.names).toEqual([
    'good',
    'grammar-ok',
    'value-ok',
    'late-good',
    'good',
    'grammar-ok',
    'value-ok',
    'late-good',
  ]);
  expectOneWarningEach(out.warnings.map((warning) => ({ ...warning, type: warning.name, detail: undefined })));
});

test('the cached scan of a broken tree still warns, once', () => {
  const cache = tempDir();
  try {
    const recorded = recordWarnings();
    try {
      // A clock ahead of time: a scan of paths changed within the file system's tick is not stored otherwise.
      const clock = (): number => Date.now() + 60_000;
      new Registry({ root: app, cacheDir: cache.dir, paths: [modules], clock }).entryPoints();
      expect(fs.readdirSync(cache.dir)).toHaveLength(1);
      forgetReportedWarnings(); // as a new process would start
      const fromCache = new Registry({ root: app, cacheDir: cache.dir, paths: [modules] });
      expect(names(fromCache)).toEqual(['good', 'grammar-ok', 'value-ok', 'late-good']);
    } finally {
      recorded.restore();
    }
    expect(recorded.warnings).toHaveLength(2 * expectedProblems().length);
  } finally {
    cache.cleanup();
  }
});

test('a folder to scan that cannot be read (a symbolic link loop) is skipped with a warning', () => {
  const loop = path.join(layout.dir, 'loop');
  fs.symlinkSync('loop', loop);
  const recorded = recordWarnings();
  try {
    const registry = new Registry({ root: app, cache: false, paths: [loop, modules] });
    expect(names(registry)).toEqual(['good', 'grammar-ok', 'value-ok', 'late-good']);
  } finally {
    recorded.restore();
  }
  const loopWarnings = recorded.warnings.filter((warning) => warning.message.startsWith(`${loop}: `));
  expect(loopWarnings).toEqual([
    expect.objectContaining({
      code: 'STEVEDORE_UNREADABLE_PACKAGE',
      message: expect.stringMatching(/cannot read folder: ELOOP/),
    }),
  ]);
});

// Root reads any file whatever its mode, so as root the scan runs as user
// nobody. Windows has no POSIX modes: skipped there.
const scanUid = process.getuid?.() === 0 ? 65534 : undefined;
const onWindows = process.platform === 'win32';

(onWindows ? test.skip : test)(
  `unreadable folders and package.json files are skipped with a warning${onWindows ? ' (skipped: Windows has no POSIX modes)' : ''}`,
  () => {
    const temp = tempDir();
    try {
      const root = path.join(temp.dir, 'app');
      const write = (file: string, text: string): void => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
      };
      const pkg = (name: string, ep: string): string =>
        JSON.stringify({ name, entryPoints: { 'layout.test': { [ep]: './index.js' } } });
      write('package.json', '{ "name": "app" }');
      write('node_modules/good/package.json', pkg('good', 'good'));
      write('node_modules/locked-pkg/package.json', pkg('locked-pkg', 'locked'));
      write('node_modules/@locked/inside/package.json', pkg('@locked/inside', 'scoped-locked'));
      write('node_modules/zz-good/package.json', pkg('zz-good', 'zz-good'));
      fs.chmodSync(temp.dir, 0o755);
      fs.chmodSync(path.join(root, 'node_modules', 'locked-pkg'), 0o700);
      fs.chmodSync(path.join(root, 'node_modules', '@locked'), 0o700);
      const out = runModuleScript<{ warnings: { code: string; message: string }[]; names: string[] }>(
        `
      import { Registry } from $STEVEDORE;
      const warnings = [];
      process.on('warning', (w) => warnings.push({ code: w.code, message: w.message }));
      const registry = new Registry({ root: process.env.APP, cache: false });
      const names = registry.entryPoints('layout.test').map((e) => e.name);
      await new Promise((resolve) => setImmediate(resolve));
      console.log(JSON.stringify({ warnings, names }));
      `,
        { env: { APP: root, HOME: temp.dir }, uid: scanUid },
      );
      expect(out.names).toEqual(['good', 'zz-good']);
      expect(out.warnings).toEqual([
        {
          code: 'STEVEDORE_UNREADABLE_PACKAGE',
          message: expect.stringMatching(
            new RegExp(`^${path.join(root, 'node_modules', '@locked')}: cannot read folder: EACCES`),
          ),
        },
        {
          code: 'STEVEDORE_UNREADABLE_PACKAGE',
          message: expect.stringMatching(
            new RegExp(`^${path.join(root, 'node_modules', 'locked-pkg', 'package.json')}: cannot read: EACCES`),
          ),
        },
      ]);
    } finally {
      temp.cleanup();
    }
  },
);

test('a package with a repeated name and bad values: one problem each, the repeated key first, group and name named', () => {
  const pkg = path.join(modules, 'mixed');
  fs.mkdirSync(pkg);
  fs.writeFileSync(
    path.join(pkg, 'package.json'),
    '{"name": "mixed", "entryPoints": {"layout.test": {"a": "./x.js", "a": 42, "b": "../up.js", "c": "./a.js [x"}}}',
  );
  const recorded = recordWarnings();
  let problems;
  try {
    problems = new Registry({ root: app, cache: false, paths: [modules] })
      .scan()
      .problems.filter((problem) => problem.file === path.join(pkg, 'package.json'));
  } finally {
    recorded.restore();
  }
  expect(problems).toEqual([
    expect.objectContaining({
      group: 'layout.test',
      name: 'a',
      reason: 'entry point "a" appears more than once in group "layout.test": only the last one is used',
    }),
    expect.objectContaining({ group: 'layout.test', name: 'a', reason: expect.stringMatching(/got a number$/) }),
    expect.objectContaining({ group: 'layout.test', name: 'b', reason: expect.stringMatching(/must start with/) }),
    expect.objectContaining({ group: 'layout.test', name: 'c', reason: expect.stringMatching(/an unclosed "\[/) }),
  ]);
});

test('a package.json is parsed when it mentions "entryPoints" anywhere: first, last, among look-alikes', () => {
  const manifests: Record<string, string> = {
    first: '{"entryPoints":{"layout.test":{"first":"./index.js"}}}',
    last: `{"description": "P Points \\"entry Points\\" ePntryPoints entryPoint", "entryPoints":{"layout.test":{"last":"./index.js"}}}`,
    tight: `{"x": "${'P'.repeat(5000)}entryPoints", "entryPoints":{"layout.test":{"tight":"./index.js"}}}`,
  };
  for (const [name, text] of Object.entries(manifests)) {
    fs.mkdirSync(path.join(modules, `marker-${name}`));
    fs.writeFileSync(path.join(modules, `marker-${name}`, 'package.json'), text);
  }
  const recorded = recordWarnings();
  try {
    const found = new Registry({ root: app, cache: false, paths: [modules] })
      .entryPoints('layout.test')
      .map((entryPoint) => entryPoint.name);
    expect(found).toEqual(expect.arrayContaining(['first', 'last', 'tight']));
  } finally {
    recorded.restore();
  }
});
