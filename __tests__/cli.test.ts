/**
 * The `stevedore` command as users run it: the built dist/cli/main.js
 * spawned against the fixture trees in __tests__/fixtures/cli, checking
 * stdout, stderr, exit codes and the JSON shapes (docs/cli.md).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPackageTree } from '../lib/testing';

const BIN = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const FIXTURES = path.join(__dirname, 'fixtures', 'cli');
const APP = path.join(FIXTURES, 'app');
let cacheDir: string;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'stevedore-cli-cache-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], { cwd = APP, env = {} }: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const baseEnv: Record<string, string | undefined> = { ...process.env, STEVEDORE_CACHE_DIR: cacheDir };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'STEVEDORE_CACHE', 'NODE_PATH']) delete baseEnv[name];
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...baseEnv, ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Parsed --json output: its shape is what the assertions check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function json<T = Record<string, Loose>>(result: Run): T {
  return JSON.parse(result.stdout) as T;
}

/** A usage error: exit code 2, nothing on stdout, one line on stderr. */
function expectUsageError(result: Run, pattern: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^stevedore: /);
  expect(result.stderr).toMatch(pattern);
}

describe('help and version', () => {
  it.each(['list', 'show', 'doctor', 'docs', 'cache'])('%s --help prints its usage and options', (command) => {
    const result = run([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: stevedore ${command} `);
    expect(result.stdout).toContain('--root DIR');
    expect(result.stdout).toContain('--json');
    expect(run(['help', command]).stdout).toBe(result.stdout);
  });

  it('--help lists every command and the exit codes', () => {
    const result = run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['list [GROUP]', 'show GROUP NAME', 'doctor [GROUP]', 'docs GROUP', 'cache info|clear']) {
      expect(result.stdout).toContain(command);
    }
    expect(result.stdout).toContain('Exit codes: 0 success, 1 what was asked is broken or missing, 2 usage error.');
  });

  it('--version prints the package version', () => {
    const result = run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version,
    );
  });

  it('--help works even where the root is unusable', () => {
    expect(run(['list', '--help', '--root', '/does/not/exist']).code).toBe(0);
  });
});

describe('stevedore list', () => {
  it('lists every group with its number of entry points, tab-separated when piped', () => {
    const result = run(['list']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'demo.broken\t4\tfmt-broken@0.0.1',
      'demo.formatter\t1\tfmt-xml@1.0.0',
      'demo.formatters\t7\tcli-app@1.0.0, fmt-csv@1.0.0, fmt-esm@3.0.0, fmt-json@2.1.0, fmt-json-fork@0.1.0, fmt-noisy@1.0.0',
      'demo.parent\t1\tonly-here@1.0.0',
      'demo.unruly\t3\tfmt-unruly@1.0.0',
    ]);
    expect(result.stderr).toBe("1 declaration skipped: run 'stevedore doctor' to see why.\n");
  });

  it('--json gives the groups, their counts and packages', () => {
    const result = run(['list', '--json', '--root', APP], { cwd: os.tmpdir() });
    expect(result.code).toBe(0);
    const data = json(result);
    expect(data.root).toBe(APP);
    expect(data.skipped).toBe(1);
    expect(data.groups).toContainEqual({ name: 'demo.unruly', entryPoints: 3, packages: ['fmt-unruly@1.0.0'] });
    expect(data.groups.map((group: { name: string }) => group.name)).toEqual([
      'demo.broken',
      'demo.formatter',
      'demo.formatters',
      'demo.parent',
      'demo.unruly',
    ]);
  });

  it('lists a group in load order, marking duplicates and shadowed copies', () => {
    const result = run(['list', 'demo.formatters']);
    expect(result.code).toBe(0);
    const rows = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(rows.map((row) => row[0])).toEqual([
      'plain',
      'csv',
      'yaml',
      'toml',
      'json',
      'json',
      'noisy',
      'json',
      'legacy-json',
    ]);
    expect(rows[0]).toEqual(['plain', './lib/plain.js:PlainFormatter', 'cli-app@1.0.0', '.', '']);
    expect(rows[4]).toEqual([
      'json',
      './index.js:JsonFormatter',
      'fmt-json@2.1.0',
      path.join('node_modules', 'fmt-json'),
      'duplicate (hidden from get())',
    ]);
    expect(rows[5][4]).toBe('duplicate (get() returns this one)');
    expect(rows[7]).toEqual([
      'json',
      './index.js',
      'fmt-json@1.0.0',
      path.join(FIXTURES, 'node_modules', 'fmt-json'),
      'shadowed by fmt-json@2.1.0: never loaded',
    ]);
  });

  it('--json gives each entry point with its package and flags', () => {
    const data = json(run(['list', 'demo.formatters', '--json']));
    expect(data.group).toBe('demo.formatters');
    const [first] = data.entryPoints;
    expect(first).toEqual({
      name: 'plain',
      group: 'demo.formatters',
      value: './lib/plain.js:PlainFormatter',
      module: './lib/plain.js',
      attr: 'PlainFormatter',
      extras: [],
      package: { name: 'cli-app', version: '1.0.0', root: APP, installedAs: 'app', source: 'root' },
      duplicate: false,
      selected: true,
      shadowed: false,
      shadowedBy: null,
    });
    const shadowed = data.entryPoints.filter((entry: { shadowed: boolean }) => entry.shadowed);
    expect(shadowed.map((entry: { name: string }) => entry.name)).toEqual(['json', 'legacy-json']);
    expect(shadowed[0].shadowedBy).toEqual({
      name: 'fmt-json',
      version: '2.1.0',
      root: path.join(APP, 'node_modules', 'fmt-json'),
    });
  });

  it('finds packages by walking up from the root', () => {
    const data = json(run(['list', 'demo.parent', '--json']));
    expect(data.entryPoints[0].package.root).toBe(path.join(FIXTURES, 'node_modules', 'only-here'));
  });

  it('a group with no entry points is exit code 1, with a suggestion', () => {
    const result = run(['list', 'demo.formaters']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /no entry points in group 'demo.formaters' \(did you mean 'demo.formatters' or 'demo.formatter'\?\)/,
    );
    const data = json(run(['list', 'nothing.here', '--json']));
    expect(data).toEqual({ error: { code: 'GROUP_NOT_FOUND', message: expect.any(String), didYouMean: [] } });
  });
});

describe('stevedore show', () => {
  it('prints what is known, then what was loaded', () => {
    const result = run(['show', 'demo.formatters', 'plain']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^plain in group demo.formatters\n/);
    expect(result.stdout).toMatch(/ value: +\.\/lib\/plain\.js:PlainFormatter\n/);
    expect(result.stdout).toMatch(/ package: +cli-app@1\.0\.0\n/);
    expect(result.stdout).toMatch(new RegExp(` resolves to: +${escape(path.join(APP, 'lib', 'plain.js'))}\n`));
    expect(result.stdout).toContain('Loaded: class PlainFormatter\n');
    expect(result.stdout).toMatch(/members: +format, static description\n/);
    expect(result.stdout).toMatch(/description: +Plain text, one value a line\.\n/);
  });

  it('shows every declaration of a duplicate name and which one get() returns', () => {
    const data = json(run(['show', 'demo.formatters', 'json', '--json']));
    expect(data.duplicate).toBe(true);
    expect(
      data.matches.map((match: { package: { name: string }; selected: boolean }) => [
        match.package.name,
        match.selected,
      ]),
    ).toEqual([
      ['fmt-json', false],
      ['fmt-json-fork', true],
    ]);
    expect(data.matches[0].load).toMatchObject({
      status: 'loaded',
      sync: true,
      plugin: { kind: 'class', name: 'JsonFormatter', members: ['format', 'contentType', 'static description'] },
    });
    expect(data.matches[0].packageDescription).toBe('JSON output for the demo.');
  });

  it('a plugin that throws: exit 1, the error, its cause, its stack and a hint', () => {
    const result = run(['show', 'demo.broken', 'throws']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Failed to load: Error: cannot reach the database\n');
    expect(result.stdout).toContain('caused by: Error: ECONNREFUSED 127.0.0.1:5432\n');
    expect(result.stdout).toMatch(/at connect \(.*fmt-broken[\\/]throws\.js:2:9\)/);
    expect(result.stdout).toContain('Hint: the module threw while it was being loaded');
    const data = json(run(['show', 'demo.broken', 'throws', '--json']));
    expect(data.matches[0].load).toMatchObject({
      status: 'failed',
      plugin: null,
      error: {
        name: 'Error',
        message: 'cannot reach the database',
        causes: [{ name: 'Error', message: 'ECONNREFUSED 127.0.0.1:5432', code: null }],
      },
    });
    expect(data.matches[0].load.error.stack).toContain('throws.js');
  });

  it('a missing file points at the package.json "files"', () => {
    const result = run(['show', 'demo.broken', 'missing-file']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/resolves to: +\(cannot resolve: Cannot find module '\.\/dist\/missing\.js'\)/);
    expect(result.stdout).toContain('code: MODULE_NOT_FOUND');
    expect(result.stdout).toContain('is it listed in the "files" of its package.json?');
  });

  it('a missing dependency of the plugin points at its dependencies', () => {
    const result = run(['show', 'demo.broken', 'missing-dep']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Cannot find module 'left-pad-that-is-not-installed'");
    expect(result.stdout).toContain('add it to the "dependencies" of fmt-broken');
  });

  it('a missing attribute lists what the module exports', () => {
    const result = run(['show', 'demo.broken', 'no-attr']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Hint: the module exports: Yes, Maybe;');
  });

  it('an ES module with top-level await loads only asynchronously: use create()', () => {
    const result = run(['show', 'demo.formatters', 'yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Loaded: function yaml (only asynchronously)');
    expect(result.stdout).toContain('static create() method');
  });

  it('a plugin that prints while loading does not corrupt --json', () => {
    const result = run(['show', 'demo.formatters', 'noisy', '--json']);
    expect(result.code).toBe(0);
    const data = json(result);
    expect(data.matches[0].load.status).toBe('loaded');
    expect(data.matches[0].load.output.stdout).toContain('hello from fmt-noisy\n');
    expect(data.matches[0].load.output.stdout).toContain('raw write to fd 1\n');
    expect(data.matches[0].load.output.stderr).toContain('fmt-noisy on stderr\n');
    expect(result.stderr).toBe('');
  });

  it('what a plugin prints is shown apart, in text mode', () => {
    const result = run(['show', 'demo.formatters', 'noisy']);
    expect(result.stdout).toContain('Printed to stdout while loading:\n  | hello from fmt-noisy\n');
  });

  it('a plugin that hangs on import is stopped after --timeout', () => {
    const result = run(['show', 'demo.unruly', 'hangs', '--timeout', '2000']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Timed out: did not finish loading within 2000 ms');
    expect(result.stdout).toContain('raise --timeout');
    const data = json(run(['show', 'demo.unruly', 'hangs', '--timeout', '2000', '--json']));
    expect(data.matches[0].load).toMatchObject({ status: 'timeout', plugin: null });
  });

  it('a plugin that exits the process is reported', () => {
    const result = run(['show', 'demo.unruly', 'exits']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Crashed: the loading process exited with code 3 while loading');
  });

  it('a name missing from a group is exit 1, with a suggestion', () => {
    const result = run(['show', 'demo.formatters', 'jsno']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no entry point 'jsno' in group 'demo.formatters' \(did you mean 'json'\?\)/);
    expect(run(['show', 'no.group', 'x']).stderr).toMatch(/no entry points in group 'no.group'/);
  });

  it('a name declared only by a shadowed copy says so', () => {
    const result = run(['show', 'demo.formatters', 'legacy-json', '--json']);
    expect(result.code).toBe(1);
    expect(json(result).error.code).toBe('SHADOWED');
    expect(result.stderr).toContain('a copy shadowed by fmt-json@2.1.0');
  });
});

describe('stevedore doctor', () => {
  it('reports skipped declarations, load failures, typos, duplicates and async-only modules', () => {
    const result = run(['doctor', '--json', '--timeout', '2000']);
    expect(result.code).toBe(1);
    const data = json(result);
    expect(data.ok).toBe(false);
    expect(data.group).toBeNull();
    expect(data.checked).toBe(16);
    expect(data.skipped).toEqual([
      {
        file: path.join(APP, 'node_modules', 'fmt-broken', 'package.json'),
        reason: expect.stringContaining('entry point "escape" in group "demo.broken" skipped'),
        code: 'STEVEDORE_INVALID_DECLARATION',
      },
    ]);
    const failures = data.loadFailures.map((failure: Loose) => [failure.group, failure.name, failure.load.status]);
    expect(failures).toEqual([
      ['demo.broken', 'throws', 'failed'],
      ['demo.broken', 'missing-file', 'failed'],
      ['demo.broken', 'missing-dep', 'failed'],
      ['demo.broken', 'no-attr', 'failed'],
      ['demo.unruly', 'hangs', 'timeout'],
      ['demo.unruly', 'exits', 'crashed'],
    ]);
    expect(data.typos).toEqual([{ group: 'demo.formatter', entryPoints: 1, didYouMean: 'demo.formatters' }]);
    expect(data.duplicates).toEqual([
      { group: 'demo.formatters', name: 'json', packages: ['fmt-json@2.1.0', 'fmt-json-fork@0.1.0'] },
    ]);
    expect(data.asyncOnly.map((entry: { name: string }) => entry.name)).toEqual(['yaml']);
  });

  it('a healthy group: exit 0, warnings only', () => {
    const result = run(['doctor', 'demo.formatters']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Checked 7 entry points in group 'demo.formatters'");
    expect(result.stdout).toContain("'demo.formatter' (1 entry point): did you mean 'demo.formatters'?");
    expect(result.stdout).toContain('demo.formatters: json from fmt-json@2.1.0, fmt-json-fork@0.1.0');
    expect(result.stdout).toContain('No problems found.');
    expect(result.stdout).not.toContain('Skipped declarations');
  });

  it('a broken group: the skipped declaration and every failure, in text', () => {
    const result = run(['doctor', 'demo.broken']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Skipped declarations (1):');
    expect(result.stdout).toContain(path.join('fmt-broken', 'package.json'));
    expect(result.stdout).toContain('Entry points that do not load (4):');
    expect(result.stdout).toContain('1 skipped declaration, 4 entry points failing to load.');
  });

  it('a group that does not exist is exit 1 with "did you mean"', () => {
    const result = run(['doctor', 'demo.formaters', '--json']);
    expect(result.code).toBe(1);
    expect(json(result).error).toMatchObject({
      code: 'GROUP_NOT_FOUND',
      didYouMean: ['demo.formatters', 'demo.formatter'],
    });
  });
});

describe('stevedore docs', () => {
  it('a summary list sorted by name, descriptions from the plugin or its package', () => {
    const result = run(['docs', 'demo.formatters']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '- `csv` — Comma-separated values.',
        '- `json`',
        '- `noisy`',
        '- `plain` — Plain text, one value a line.',
        '- `toml` — TOML output, as an ES module namespace.',
        '- `yaml` — YAML output (an ES module with top-level await).',
        '',
      ].join('\n'),
    );
  });

  it('--detailed: a section per plugin with its full description', () => {
    const result = run(['docs', 'demo.formatters', '--detailed', '--heading-level', '3', '--titlecase']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '### Json\n\n> **Warning:** No documentation found for `json` in `./index.js:format`.\n',
    );
    expect(result.stdout).toContain('### Csv\n\nComma-separated values.\n');
  });

  it('--json tells where each description comes from', () => {
    const data = json(run(['docs', 'demo.formatters', '--json']));
    const byName = Object.fromEntries(data.plugins.map((plugin: Loose) => [plugin.name, plugin]));
    expect(byName.plain.descriptionSource).toBe('plugin');
    expect(byName.csv.descriptionSource).toBe('package');
    expect(byName.json.descriptionSource).toBeNull();
    expect(byName.json.package).toBe('fmt-json-fork@0.1.0');
    expect(data.markdown).toContain('- `plain` — Plain text, one value a line.\n');
  });

  it('plugins that fail to load are documented from their package, with a warning and exit 1', () => {
    const result = run(['docs', 'demo.broken', '--detailed']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('## throws\n\nFormatters that fail to load, each in its own way.\n');
    expect(result.stderr).toContain(
      "stevedore: warning: could not load 'throws' (./throws.js): Error: cannot reach the database",
    );
  });

  it('a group with no entry points is exit 1', () => {
    const result = run(['docs', 'missing.group']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("no entry points in group 'missing.group'");
  });
});

describe('stevedore cache', () => {
  it('info and clear work on the cache folder', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stevedore-cli-cache-'));
    try {
      run(['list'], { env: { STEVEDORE_CACHE_DIR: dir } });
      const info = json(run(['cache', 'info', '--json'], { env: { STEVEDORE_CACHE_DIR: dir } }));
      expect(info).toEqual({ dir, disabled: null, files: readdirSync(dir).length, bytes: expect.any(Number) });
      expect(info.files).toBeGreaterThan(0);
      const cleared = run(['cache', 'clear'], { env: { STEVEDORE_CACHE_DIR: dir } });
      expect(cleared.code).toBe(0);
      expect(cleared.stdout).toBe(`Removed ${info.files} cache file${info.files === 1 ? '' : 's'} from ${dir}.\n`);
      expect(readdirSync(dir)).toEqual([]);
      const off = run(['cache', 'info'], { env: { STEVEDORE_CACHE_DIR: dir, STEVEDORE_CACHE: '0' } });
      expect(off.stdout).toMatch(/status: off \(STEVEDORE_CACHE is set to 0\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not need a package.json', () => {
    expect(run(['cache', 'info'], { cwd: os.tmpdir() }).code).toBe(0);
  });
});

describe('installed in a project', () => {
  it('is published with the package and runs from node_modules/.bin', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
    });
    expect(packed.status).toBe(0);
    const files = (JSON.parse(packed.stdout)[0].files as { path: string }[]).map((file) => file.path);
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(manifest.bin.stevedore).toBe('./dist/cli/main.js');
    expect(files).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/cli/probe-child.js']));
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);

    // What npm does on install: the package in node_modules, its bin linked into node_modules/.bin.
    const tree = createPackageTree({
      app: { name: 'consumer', entryPoints: { 'consumer.hooks': { start: './start.js' } }, files: { 'start.js': '' } },
    });
    try {
      mkdirSync(path.join(tree.root, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(path.join(__dirname, '..'), path.join(tree.root, 'node_modules', 'stevedore-ts'), 'dir');
      const bin = path.join(tree.root, 'node_modules', '.bin', 'stevedore');
      symlinkSync(path.join('..', 'stevedore-ts', 'dist', 'cli', 'main.js'), bin);
      const result = spawnSync(bin, ['show', 'consumer.hooks', 'start', '--json'], {
        cwd: tree.root,
        encoding: 'utf8',
        env: { ...process.env, STEVEDORE_CACHE_DIR: cacheDir },
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout).matches[0].load).toMatchObject({ status: 'loaded', plugin: { kind: 'object' } });
    } finally {
      tree.cleanup();
    }
  });
});

describe('bad input', () => {
  it.each([
    [[], /missing command: one of list, show, doctor, docs, cache \(see 'stevedore --help'\)/],
    [['lsit'], /unknown command 'lsit' \(did you mean 'list'\?\)/],
    [['list', '--frobnicate'], /unknown option '--frobnicate' \(see 'stevedore list --help'\)/],
    [['show', 'demo.formatters'], /missing NAME: usage: stevedore show GROUP NAME/],
    [['docs'], /missing GROUP/],
    [['list', 'a', 'b'], /unexpected argument 'b'/],
    [['list', '--root'], /option '--root' needs a value/],
    [['cache'], /missing ACTION \(info or clear\)/],
    [['cache', 'purge'], /unknown cache action 'purge'/],
    [['show', 'g', 'n', '--timeout', 'soon'], /--timeout expects a positive number of milliseconds, got 'soon'/],
    [['docs', 'g', '--heading-level', '9'], /--heading-level expects a number from 1 to 6, got '9'/],
  ])('%j is a usage error', (args, message) => {
    expectUsageError(run(args as string[]), message as RegExp);
  });

  it('a root folder that does not exist', () => {
    expectUsageError(run(['list', '--root', 'no/such/folder']), /--root no\/such\/folder: no such folder/);
  });

  it('a root folder without a package.json points to the nearest one', () => {
    const result = run(['list'], { cwd: FIXTURES });
    expectUsageError(result, /the current folder holds no package.json .*; the nearest one is in /);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
