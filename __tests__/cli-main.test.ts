/**
 * The command's parts run in-process: `main(argv, io)` with the output
 * collected in memory (terminal and piped renderings), and the helpers it is
 * made of. Loading still happens in the real probe child process (dist/).
 */
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main, version } from '../lib/cli/cli';
import type { CliIo } from '../lib/cli/output';
import { Printer, displayPath, plural, processIo } from '../lib/cli/output';
import { didYouMean, editDistance, isTypo, suggestion } from '../lib/cli/similar';
import { describePlugin, loadAndDescribe, serializeError } from '../lib/cli/inspect';
import { hintFor } from '../lib/cli/probe';
import { parseCommandLine, parseTimeout, UsageError } from '../lib/cli/args';
import { renderMarkdown, titleCase } from '../lib/cli/docs';
import type { PluginDoc } from '../lib/cli/docs';
import { pluginFrames } from '../lib/cli/show';
import { EntryPoint } from '../lib/entry-point';
import { createPackageTree } from '../lib/testing';
import { tempDir } from './support/temp';
import type { WarningRecorder } from './support/warnings';
import { recordWarnings } from './support/warnings';

const APP = path.join(__dirname, 'fixtures', 'cli', 'app');
const FMT_BROKEN = path.join(APP, 'node_modules', 'fmt-broken');
let cacheDir: string;
// The command reports what it finds wrong in its own output, and its process (main.ts) does not print
// stevedore-ts warnings: main() in-process records them instead (the fixture app has a broken declaration).
let warnings: WarningRecorder;

beforeAll(() => {
  warnings = recordWarnings();
  if (!existsSync(path.join(__dirname, '..', 'dist', 'cli', 'probe-child.js'))) {
    throw new Error('dist/cli/probe-child.js is missing: run npm run build first');
  }
  // Never touch the user's own cache: `cache clear` below empties the folder.
  cacheDir = tempDir('cli-cache').dir;
  process.env.STEVEDORE_CACHE_DIR = cacheDir;
  process.env.STEVEDORE_CACHE = '0';
});
afterAll(() => {
  warnings.restore();
  // Only stevedore-ts warnings, which the command's process would not print either.
  for (const warning of warnings.warnings) expect(warning).toMatchObject({ type: 'StevedoreWarning' });
  delete process.env.STEVEDORE_CACHE;
  delete process.env.STEVEDORE_CACHE_DIR;
  rmSync(cacheDir, { recursive: true, force: true });
});

function memoryIo(overrides: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd: APP,
    isTTY: false,
    color: false,
    ...overrides,
    out: () => out,
    err: () => err,
  };
}

describe('main() on a terminal', () => {
  it('aligns columns under a header', async () => {
    const io = memoryIo({ isTTY: true });
    expect(await main(['list', 'demo.unruly'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +TARGET +PACKAGE +FOLDER +NOTE$/);
    expect(lines[1]).toMatch(/^hangs +\.\/hang\.js +fmt-unruly@1\.0\.0 +node_modules\/fmt-unruly$/);
    // Every row's TARGET column starts where the header's does.
    const column = lines[0].indexOf('TARGET');
    for (const line of lines.slice(1)) expect(line.slice(column, column + 2)).toBe('./');
  });

  it('uses ANSI colors only when asked', async () => {
    const colored = memoryIo({ isTTY: true, color: true });
    await main(['show', 'demo.formatters', 'plain'], colored);
    expect(colored.out()).toContain('\u001b[32mLoaded\u001b[0m: class PlainFormatter');
    const plain = memoryIo({ isTTY: true });
    await main(['show', 'demo.formatters', 'plain'], plain);
    expect(plain.out()).not.toContain('\u001b[');
  });

  it('doctor prints each section', async () => {
    const io = memoryIo({ isTTY: true });
    expect(await main(['doctor', '--timeout', '2000'], io)).toBe(1);
    const out = io.out();
    expect(out).toContain('Checked 16 entry points in all groups');
    expect(out).toContain('Skipped declarations (1):');
    expect(out).toContain('Entry points that do not load (6):');
    expect(out).toContain('✗ demo.unruly: hangs = ./hang.js (fmt-unruly@1.0.0)');
    expect(out).toContain('Timed out: did not finish loading within 2000 ms');
    expect(out).toContain('Crashed: the loading process exited with code 3 while loading');
    expect(out).toContain('ES modules with top-level await (load them with create()):');
    expect(out).toContain('! demo.formatters: yaml = ./yaml.js:default');
    expect(out).toContain('1 skipped declaration, 6 entry points failing to load.');
  });

  it("show prints errors with only the plugin's stack frames", async () => {
    const io = memoryIo();
    expect(await main(['show', 'demo.broken', 'throws'], io)).toBe(1);
    expect(io.out()).toMatch(/ {4}at connect \(.*throws\.js:2:9\)\n/);
    expect(io.out()).not.toContain('node:internal');
    expect(io.out()).not.toContain('inspect.js');
  });

  it('list of a tree without entry points says so', async () => {
    const tree = createPackageTree({ packages: [{ name: 'plain-lib', files: { 'index.js': '' } }] });
    try {
      const io = memoryIo({ cwd: tree.root });
      expect(await main(['list'], io)).toBe(0);
      expect(io.out()).toBe('');
      expect(io.err()).toBe(`No entry points found from ${tree.root}.\n`);
      const json = memoryIo({ cwd: tree.root });
      await main(['list', '--json'], json);
      expect(JSON.parse(json.out())).toEqual({ root: tree.root, groups: [], skipped: 0 });
    } finally {
      tree.cleanup();
    }
  });

  it('list of a group declared only by a shadowed copy is exit 1', async () => {
    const tree = createPackageTree({
      packages: [{ name: 'fmt', version: '2.0.0', entryPoints: { other: { x: './x.js' } } }],
    });
    try {
      // An older copy further up, declaring a group the nearer copy no longer does.
      const upper = path.join(tree.dir, 'node_modules', 'fmt');
      mkdirSync(upper, { recursive: true });
      writeFileSync(
        path.join(upper, 'package.json'),
        JSON.stringify({ name: 'fmt', version: '1.0.0', entryPoints: { 'g.old': { x: './x.js' } } }),
      );
      const io = memoryIo({ cwd: tree.dir });
      expect(await main(['list', 'g.old', '--root', 'app'], io)).toBe(1);
      expect(io.out()).toBe(`x\t./x.js\tfmt@1.0.0\t${realpathSync(upper)}\tshadowed by fmt@2.0.0: never loaded\n`);
      expect(io.err()).toBe(
        "stevedore: every entry point of 'g.old' comes from a shadowed copy: none of them is loaded\n",
      );
    } finally {
      tree.cleanup();
    }
  });

  it('lists the groups, and says what is missing', async () => {
    const groups = memoryIo({ isTTY: true });
    expect(await main(['list'], groups)).toBe(0);
    expect(groups.out().split('\n')[0]).toMatch(/^GROUP +ENTRY POINTS +PACKAGES$/);
    expect(groups.err()).toBe("1 declaration skipped: run 'stevedore doctor' to see why.\n");
    const cases: [string[], RegExp][] = [
      [
        ['show', 'demo.formatters', 'jsno'],
        /no entry point 'jsno' in group 'demo.formatters' \(did you mean 'json'\?\)/,
      ],
      [['show', 'demo.formaters', 'json'], /no entry points in group 'demo.formaters' \(did you mean/],
      [['show', 'demo.formatters', 'legacy-json'], /declared only by fmt-json@1.0.0 .*shadowed by fmt-json@2.1.0/],
      [['docs', 'nothing'], /no entry points in group 'nothing'/],
      [['doctor', 'demo.broke'], /no entry points in group 'demo.broke' \(did you mean 'demo.broken'\?\)/],
    ];
    for (const [args, message] of cases) {
      const io = memoryIo();
      expect(await main(args, io)).toBe(1);
      expect(io.err()).toMatch(message);
    }
  });

  it('refuses a root without a package.json, naming the nearest one', async () => {
    const io = memoryIo({ cwd: path.dirname(APP) });
    expect(await main(['list'], io)).toBe(2);
    expect(io.err()).toMatch(/^stevedore: the current folder holds no package.json \(.*\); the nearest one is in /);
    const missing = memoryIo();
    expect(await main(['doctor', '--root', 'nowhere'], missing)).toBe(2);
    expect(missing.err()).toMatch(/--root nowhere: no such folder/);
  });

  it('docs in text and detailed', async () => {
    const io = memoryIo();
    expect(await main(['docs', 'demo.unruly', '--detailed', '--timeout', '2000'], io)).toBe(1);
    expect(io.out()).toContain('## fine\n\n> **Warning:** No documentation found for `fine` in `./fine.js`.\n');
    expect(io.err()).toContain("could not load 'hangs' (./hang.js): Timeout: did not finish loading within 2000 ms");
  });

  it('cache info and clear', async () => {
    const info = memoryIo();
    expect(await main(['cache', 'info'], info)).toBe(0);
    expect(info.out()).toBe(`folder: ${cacheDir}\nstatus: off (STEVEDORE_CACHE is set to 0)\nfiles:  0 (0 B)\n`);
    writeFileSync(path.join(cacheDir, `${'ab'.repeat(8)}.json`), 'x'.repeat(2500));
    const bigger = memoryIo();
    await main(['cache', 'info'], bigger);
    expect(bigger.out()).toContain('files:  1 (2.5 kB)\n');
    const cleared = memoryIo();
    expect(await main(['cache', 'clear', '--json'], cleared)).toBe(0);
    expect(JSON.parse(cleared.out())).toEqual({ dir: cacheDir, removed: 1 });
    const text = memoryIo();
    await main(['cache', 'clear'], text);
    expect(text.out()).toBe(`Removed 0 cache files from ${cacheDir}.\n`);
  });

  it('help, version and usage errors', async () => {
    const help = memoryIo();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.out()).toContain(`stevedore ${version()}:`);
    const bare = memoryIo();
    expect(await main(['help'], bare)).toBe(0);
    expect(bare.out()).toBe(help.out());
    const ver = memoryIo();
    expect(await main(['-V'], ver)).toBe(0);
    expect(ver.out()).toBe(`${version()}\n`);
    const bad = memoryIo();
    expect(await main(['show', 'a', 'b', '--timeout', '0'], bad)).toBe(2);
    expect(bad.err()).toBe("stevedore: --timeout expects a positive number of milliseconds, got '0'\n");
    const notFolder = memoryIo();
    expect(await main(['list', '--root', 'package.json'], notFolder)).toBe(2);
    expect(notFolder.err()).toMatch(/--root package\.json: not a folder/);
  });
});

describe('parseCommandLine', () => {
  it('takes global options before or after the command', () => {
    expect(parseCommandLine(['--root', 'x', 'list', 'g', '--json'])).toMatchObject({
      command: { name: 'list' },
      args: ['g'],
      options: { root: 'x', json: true },
    });
    expect(parseCommandLine(['show', '--timeout', '50', 'g', 'n']).options.timeout).toBe('50');
  });

  it('rejects what it does not know', () => {
    expect(() => parseCommandLine(['list', '--timeout', '5'])).toThrow(UsageError);
    expect(() => parseCommandLine(['nope'])).toThrow("unknown command 'nope'");
    expect(() => parseCommandLine(['--json'])).toThrow('missing command');
  });

  it('reads --timeout', () => {
    expect(parseTimeout(undefined)).toBe(5000);
    expect(parseTimeout('250')).toBe(250);
    expect(() => parseTimeout('-1')).toThrow('positive number');
  });
});

describe('similar names', () => {
  it('measures edits, a swap counting as one', () => {
    expect(editDistance('list', 'lsit')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('tells typos from different names', () => {
    expect(isTypo('trove.api.extension', 'trove.api.extensions')).toBe(true);
    expect(isTypo('App.Formatters', 'app.formatters')).toBe(true);
    expect(isTypo('console_scripts', 'gui_scripts')).toBe(false);
    expect(isTypo('same', 'same')).toBe(false);
    expect(didYouMean('jsno', ['json', 'yaml', 'json'])).toEqual(['json']);
  });

  it('phrases suggestions', () => {
    expect(suggestion([])).toBe('');
    expect(suggestion(['a'])).toBe(" (did you mean 'a'?)");
    expect(suggestion(['a', 'b', 'c', 'd'])).toBe(" (did you mean 'a', 'b' or 'c'?)");
  });
});

describe('describing plugins', () => {
  it('tells classes, functions, objects and primitives apart', () => {
    class Base {
      base(): void {}
    }
    class Plugin extends Base {
      static description = 'A plugin.';
      run(): void {}
    }
    expect(describePlugin(Plugin)).toEqual({
      kind: 'class',
      name: 'Plugin',
      members: ['run', 'base', 'static description'],
      description: 'A plugin.',
    });
    const fn = Object.assign(
      function fn() {
        return 1;
      },
      { extra: true },
    );
    expect(describePlugin(fn)).toEqual({ kind: 'function', name: 'fn', members: ['extra'], description: null });
    expect(describePlugin({ a: 1, description: '  ' })).toEqual({
      kind: 'object',
      name: null,
      members: ['a', 'description'],
      description: null,
    });
    expect(describePlugin(null).kind).toBe('null');
    expect(describePlugin('text').kind).toBe('string');
    const throwing = {
      get description(): string {
        throw new Error('no');
      },
    };
    expect(describePlugin(throwing).description).toBeNull();
  });

  it('serializes errors with their causes, and thrown values that are not errors', () => {
    const inner = Object.assign(new Error('inner'), { code: 'EINNER' });
    const outer = new TypeError('outer', { cause: inner });
    expect(serializeError(outer)).toMatchObject({
      name: 'TypeError',
      message: 'outer',
      code: null,
      causes: [{ name: 'Error', message: 'inner', code: 'EINNER' }],
    });
    const looped = new Error('loop');
    looped.cause = looped;
    expect(serializeError(looped).causes).toEqual([]);
    expect(serializeError('just a string')).toMatchObject({
      name: 'thrown value',
      message: 'just a string',
      stack: null,
    });
    expect(serializeError({ code: 7 })).toMatchObject({ message: '{"code":7}', code: '7' });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(serializeError(circular).message).toBe('[object Object]');
  });

  it('loads and describes in-process, listing what a module exports when the attribute is missing', async () => {
    const dist = { name: 'fmt-broken', version: '0.0.1', root: FMT_BROKEN };
    const ok = await loadAndDescribe({ name: 'yes', value: './throws-not.js:Yes', group: 'g', dist });
    expect(ok).toEqual({
      loaded: true,
      sync: true,
      plugin: { kind: 'class', name: 'Yes', members: [], description: null },
    });
    const missing = await loadAndDescribe({ name: 'no', value: './throws-not.js:Nope', group: 'g', dist });
    expect(missing).toMatchObject({
      loaded: false,
      error: { code: 'STEVEDORE_ATTRIBUTE_NOT_FOUND', moduleMembers: ['Yes', 'Maybe'] },
    });
  });
});

describe('hints', () => {
  const entryPoint = new EntryPoint('x', 'pkg/sub:thing', 'g', { name: 'plugin-pkg', version: '1.0.0', root: '/p' });
  const error = (code: string | null, message = 'boom', name = 'Error') => ({
    name,
    message,
    code,
    stack: null,
    causes: [],
  });

  it('says what to do for each kind of failure', () => {
    expect(hintFor(entryPoint, error('MODULE_NOT_FOUND', "Cannot find module 'pkg/sub'"))).toContain('is it installed');
    expect(hintFor(entryPoint, error('ERR_PACKAGE_PATH_NOT_EXPORTED'))).toContain('"exports" map');
    expect(hintFor(entryPoint, error('STEVEDORE_ASYNC_MODULE'))).toContain('create()');
    expect(hintFor(entryPoint, error('STEVEDORE_ATTRIBUTE_NOT_FOUND'))).toBe(
      'fix the part after ":" in the declaration',
    );
    expect(hintFor(entryPoint, error('STEVEDORE_OUTSIDE_PACKAGE'))).toContain('symbolic links');
    expect(hintFor(entryPoint, error('ERR_REQUIRE_ESM'))).toContain('Node >= 20.19');
    expect(hintFor(entryPoint, error(null, 'Unexpected token', 'SyntaxError'))).toContain('"type" in its package.json');
    expect(hintFor(entryPoint, error(null))).toContain('threw while it was being loaded');
  });
});

describe('docs rendering', () => {
  const plugin = (name: string, description: string | null): PluginDoc => ({
    name,
    value: `./${name}.js`,
    package: 'p@1',
    summary: description?.split('\n')[0] ?? '',
    description,
    descriptionSource: description ? 'plugin' : null,
    loadError: null,
  });

  it('is sorted by name, like the Sphinx directive', () => {
    const markdown = renderMarkdown([plugin('b', 'Bee.'), plugin('a', null)], {
      detailed: false,
      titlecase: false,
      headingLevel: 2,
    });
    expect(markdown).toBe('- `a`\n- `b` — Bee.\n');
  });

  it('title-cases like Python', () => {
    expect(titleCase('my_plugin-v2x')).toBe('My_Plugin-V2X');
  });
});

describe('small helpers', () => {
  it("keeps the plugin's stack frames only", () => {
    const stack = [
      'Error: boom',
      '    at connect (/plugins/p/index.js:1:1)',
      '    at Module._compile (node:internal/modules/cjs/loader:1:1)',
      `    at EntryPoint.load (${path.join(__dirname, '..', 'lib', 'entry-point.ts')}:1:1)`,
      '    at process.emit (node:events:524:28)',
    ].join('\n');
    expect(pluginFrames(stack)).toBe('at connect (/plugins/p/index.js:1:1)');
  });

  it('shows paths relative to the root when inside it', () => {
    expect(displayPath('/a/b', '/a/b')).toBe('.');
    expect(displayPath('/a/b', '/a/b/c')).toBe('c');
    expect(displayPath('/a/b', '/a/x')).toBe('/a/x');
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('the process IO follows the terminal and NO_COLOR', () => {
    const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
    try {
      process.env.FORCE_COLOR = '1';
      expect(processIo().color).toBe(true);
      delete process.env.FORCE_COLOR;
      process.env.NO_COLOR = '1';
      expect(processIo().color).toBe(false);
      expect(processIo().cwd).toBe(process.cwd());
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('the printer writes plain text when piped', () => {
    const io = memoryIo();
    const printer = new Printer(io);
    printer.table(['A', 'B'], [['1', '2']]);
    printer.fields([['key', 'value']], '');
    expect(io.out()).toBe('1\t2\nkey: value\n');
  });
});
