/**
 * The command run in-process, as `main(argv, io)`, with its output collected
 * in memory: every command, option, message, exit code and JSON shape
 * (docs/cli.md), on the fixture trees in __tests__/fixtures/cli; then the
 * parts it is made of. Plugins are still loaded in the real loader process
 * (dist/cli/probe-child.js). cli.test.ts runs the built command as a process.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main, version } from '../lib/cli/cli';
import type { CliIo } from '../lib/cli/output';
import { Printer, commandName, displayPath, plural, processIo } from '../lib/cli/output';
import { didYouMean, editDistance, isTypo, suggestion } from '../lib/cli/similar';
import { describePlugin, loadAndDescribe, serializeError } from '../lib/cli/inspect';
import { hintFor } from '../lib/cli/probe';
import { OUTPUT_LIMIT_BYTES, StreamCapture } from '../lib/cli/capture';
import { untilGone } from '../lib/cli/loader';
import { parseCommandLine, parseTimeout, rootFolder, UsageError } from '../lib/cli/args';
import { renderMarkdown, titleCase } from '../lib/cli/docs';
import type { PluginDoc } from '../lib/cli/docs';
import { pluginFrames } from '../lib/cli/show';
import { EntryPoint } from '../lib/entry-point';
import { createPackageTree } from '../lib/testing';
import { startZombie } from './support/processes';
import { tempDir } from './support/temp';
import type { WarningRecorder } from './support/warnings';
import { recordWarnings } from './support/warnings';

const FIXTURES = path.join(__dirname, 'fixtures', 'cli');
const APP = path.join(FIXTURES, 'app');
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

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main(args)` as the command would run piped (no terminal), with `env` set meanwhile. */
async function run(
  args: string[],
  { cwd = APP, env = {}, ...io }: { cwd?: string; env?: Record<string, string | undefined> } & Partial<CliIo> = {},
): Promise<Run> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const restore = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  restore(env);
  try {
    const collected = memoryIo({ cwd, ...io });
    const code = await main(args, collected);
    return { code, stdout: collected.out(), stderr: collected.err() };
  } finally {
    restore(saved);
  }
}

// Parsed --json output: its shape is what the assertions check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function json<T = Record<string, Loose>>(result: Run): T {
  return JSON.parse(result.stdout) as T;
}

/** A usage error: exit code 2, nothing on stdout, one line on stderr. */
function expectUsageError(result: Run, pattern: RegExp): void {
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^stevedore-ts: /);
  expect(result.stderr).toMatch(pattern);
  expect(result.code).toBe(2);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('help and version', () => {
  it.each(['list', 'show', 'doctor', 'docs', 'cache'])('%s --help prints its usage and options', async (command) => {
    const result = await run([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: stevedore-ts ${command} `);
    expect(result.stdout).toContain('--root DIR');
    expect(result.stdout).toContain('--json');
    expect((await run(['help', command])).stdout).toBe(result.stdout);
  });

  it('--help lists every command and the exit codes', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`stevedore-ts ${version()}: inspect the plugins`);
    for (const command of ['list [GROUP]', 'show GROUP NAME', 'doctor [GROUP]', 'docs GROUP', 'cache info|clear']) {
      expect(result.stdout).toContain(command);
    }
    expect(result.stdout).toContain('Exit codes: 0 success, 1 what was asked is broken or missing, 2 usage error.');
    expect((await run(['help'])).stdout).toBe(result.stdout);
  });

  it('with no command at all, prints the help on stderr: exit 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe((await run(['--help'])).stdout);
  });

  it('--version and -V print the package version', async () => {
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version}\n`,
    );
    expect((await run(['-V'])).stdout).toBe(result.stdout);
  });

  it('--help works even where the root is unusable', async () => {
    expect((await run(['list', '--help', '--root', '/does/not/exist'])).code).toBe(0);
  });

  it('calls the command by the name it was run by', async () => {
    const help = await run(['show', '--help'], { name: 'stevedore' });
    expect(help.stdout).toMatch(/^Usage: stevedore show GROUP NAME/);
    const general = await run(['--help'], { name: 'stevedore' });
    expect(general.stdout).toContain("Run 'stevedore COMMAND --help'");
    const wrong = await run(['lsit'], { name: 'stevedore' });
    expect(wrong.stderr).toBe("stevedore: unknown command 'lsit' (did you mean 'list'?) (see 'stevedore --help')\n");
    const missing = await run(['list', 'demo.formaters'], { name: 'stevedore' });
    expect(missing.stderr).toMatch(/^stevedore: no entry points in group .*; run 'stevedore list' for the groups/);
    const skipped = await run(['list'], { name: 'stevedore' });
    expect(skipped.stderr).toBe("1 declaration skipped: run 'stevedore doctor' to see why.\n");
  });
});

describe('stevedore list', () => {
  it('lists every group with its number of entry points, tab-separated when piped', async () => {
    const result = await run(['list']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'demo.broken\t4\tfmt-broken@0.0.1',
      'demo.formatter\t1\tfmt-xml@1.0.0',
      'demo.formatters\t7\tcli-app@1.0.0, fmt-csv@1.0.0, fmt-esm@3.0.0, fmt-json@2.1.0, fmt-json-fork@0.1.0, fmt-noisy@1.0.0',
      'demo.parent\t1\tonly-here@1.0.0',
      'demo.unruly\t3\tfmt-unruly@1.0.0',
    ]);
    expect(result.stderr).toBe("1 declaration skipped: run 'stevedore-ts doctor' to see why.\n");
  });

  it('--json gives the groups, their counts and packages', async () => {
    const result = await run(['list', '--json', '--root', APP], { cwd: os.tmpdir() });
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

  it('lists a group in load order, marking duplicates and shadowed copies', async () => {
    const result = await run(['list', 'demo.formatters']);
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

  it('--json gives each entry point with its package and flags', async () => {
    const data = json(await run(['list', 'demo.formatters', '--json']));
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

  it('finds packages by walking up from the root', async () => {
    const data = json(await run(['list', 'demo.parent', '--json']));
    expect(data.entryPoints[0].package.root).toBe(path.join(FIXTURES, 'node_modules', 'only-here'));
  });

  it('a group with no entry points is exit code 1, with a suggestion', async () => {
    const result = await run(['list', 'demo.formaters']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /no entry points in group 'demo.formaters' \(did you mean 'demo.formatters' or 'demo.formatter'\?\)/,
    );
    const data = json(await run(['list', 'nothing.here', '--json']));
    expect(data).toEqual({ error: { code: 'GROUP_NOT_FOUND', message: expect.any(String), didYouMean: [] } });
  });
});

describe('stevedore show', () => {
  it('prints what is known, then what was loaded', async () => {
    const result = await run(['show', 'demo.formatters', 'plain']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^plain in group demo.formatters\n/);
    expect(result.stdout).toMatch(/ value: +\.\/lib\/plain\.js:PlainFormatter\n/);
    expect(result.stdout).toMatch(/ package: +cli-app@1\.0\.0\n/);
    expect(result.stdout).toMatch(new RegExp(` resolves to: +${escape(path.join(APP, 'lib', 'plain.js'))}\n`));
    expect(result.stdout).toContain('Loaded: class PlainFormatter\n');
    expect(result.stdout).toMatch(/members: +format, static description\n/);
    expect(result.stdout).toMatch(/description: +Plain text, one value a line\.\n/);
  });

  it('shows every declaration of a duplicate name and which one get() returns', async () => {
    const data = json(await run(['show', 'demo.formatters', 'json', '--json']));
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

  it('a plugin that throws: exit 1, the error, its cause, its stack and a hint', async () => {
    const result = await run(['show', 'demo.broken', 'throws']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Failed to load: Error: cannot reach the database\n');
    expect(result.stdout).toContain('caused by: Error: ECONNREFUSED 127.0.0.1:5432\n');
    expect(result.stdout).toMatch(/ {4}at connect \(.*fmt-broken[\\/]throws\.js:2:9\)\n/);
    expect(result.stdout).not.toContain('node:internal');
    expect(result.stdout).not.toContain('inspect.js');
    expect(result.stdout).toContain('Hint: the module threw while it was being loaded');
    const data = json(await run(['show', 'demo.broken', 'throws', '--json']));
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

  it('a missing file points at the package.json "files"', async () => {
    const result = await run(['show', 'demo.broken', 'missing-file']);
    expect(result.code).toBe(1);
    // In-process, jest's resolver words the message its own way.
    expect(result.stdout).toMatch(/resolves to: +\(cannot resolve: .*Cannot find module '\.\/dist\/missing\.js'/);
    expect(result.stdout).toContain('code: MODULE_NOT_FOUND');
    expect(result.stdout).toContain('is it listed in the "files" of its package.json?');
  });

  it('a missing dependency of the plugin points at its dependencies', async () => {
    const result = await run(['show', 'demo.broken', 'missing-dep']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Cannot find module 'left-pad-that-is-not-installed'");
    expect(result.stdout).toContain('add it to the "dependencies" of fmt-broken');
  });

  it('a missing attribute lists what the module exports', async () => {
    const result = await run(['show', 'demo.broken', 'no-attr']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Hint: the module exports: Yes, Maybe;');
  });

  it('an ES module with top-level await loads only asynchronously: use create()', async () => {
    const result = await run(['show', 'demo.formatters', 'yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Loaded: function yaml (only asynchronously)');
    expect(result.stdout).toContain('static create() method');
  });

  it('what a plugin prints, by any way, is reported apart and never corrupts --json', async () => {
    const result = await run(['show', 'demo.formatters', 'noisy', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const { load } = json(result).matches[0];
    expect(load.status).toBe('loaded');
    expect(load.output).toEqual({
      stdout: 'hello from fmt-noisy\n{"not": "json output"\nraw write to fd 1\n',
      stderr: 'fmt-noisy on stderr\n',
      omittedBytes: { stdout: 0, stderr: 0 },
      notes: [],
    });
    const text = await run(['show', 'demo.formatters', 'noisy']);
    expect(text.stdout).toContain(
      'Printed to stdout while loading:\n  | hello from fmt-noisy\n  | {"not": "json output"\n  | raw write to fd 1\n',
    );
    expect(text.stdout).toContain('Printed to stderr while loading:\n  | fmt-noisy on stderr\n');
  });

  it('a plugin that hangs on import is stopped after --timeout', async () => {
    const result = await run(['show', 'demo.unruly', 'hangs', '--timeout', '300']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Timed out: did not finish loading within 300 ms');
    expect(result.stdout).toContain('raise --timeout');
    const data = json(await run(['show', 'demo.unruly', 'hangs', '--timeout', '300', '--json']));
    expect(data.matches[0].load).toMatchObject({ status: 'timeout', plugin: null, error: { name: 'Timeout' } });
  });

  it('a plugin that exits the process is reported', async () => {
    const result = await run(['show', 'demo.unruly', 'exits']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Crashed: the loading process exited with code 3 while loading');
    expect(result.stdout).toContain('Hint: the module ends the process when it is loaded');
  });

  it('a name missing from a group is exit 1, with a suggestion', async () => {
    const result = await run(['show', 'demo.formatters', 'jsno']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no entry point 'jsno' in group 'demo.formatters' \(did you mean 'json'\?\)/);
    expect(result.stderr).toContain("run 'stevedore-ts list demo.formatters' for its 7 entry points");
    expect(json(await run(['show', 'demo.formatters', 'jsno', '--json'])).error).toEqual({
      code: 'NAME_NOT_FOUND',
      message: expect.any(String),
      didYouMean: ['json'],
    });
    const group = await run(['show', 'demo.formaters', 'json']);
    expect(group.code).toBe(1);
    expect(group.stderr).toMatch(/no entry points in group 'demo.formaters' \(did you mean/);
  });

  it('a name declared only by a shadowed copy says so', async () => {
    const result = await run(['show', 'demo.formatters', 'legacy-json', '--json']);
    expect(result.code).toBe(1);
    expect(json(result).error.code).toBe('SHADOWED');
    expect(result.stderr).toMatch(/declared only by fmt-json@1.0.0 .*a copy shadowed by fmt-json@2.1.0/);
  });

  it('uses ANSI colors only when asked', async () => {
    const colored = await run(['show', 'demo.formatters', 'plain'], { isTTY: true, color: true });
    expect(colored.stdout).toContain('\u001b[32mLoaded\u001b[0m: class PlainFormatter');
    const plain = await run(['show', 'demo.formatters', 'plain'], { isTTY: true });
    expect(plain.stdout).not.toContain('\u001b[');
  });
});

describe('stevedore doctor', () => {
  it('reports skipped declarations, load failures, typos, duplicates and async-only modules', async () => {
    const result = await run(['doctor', '--json', '--timeout', '500']);
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

  it('a healthy group: exit 0, warnings only', async () => {
    const result = await run(['doctor', 'demo.formatters']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Checked 7 entry points in group 'demo.formatters'");
    expect(result.stdout).toContain("'demo.formatter' (1 entry point): did you mean 'demo.formatters'?");
    expect(result.stdout).toContain('demo.formatters: json from fmt-json@2.1.0, fmt-json-fork@0.1.0');
    expect(result.stdout).toContain('ES modules with top-level await (load them with create()):');
    expect(result.stdout).toContain('! demo.formatters: yaml = ./yaml.js:default');
    expect(result.stdout).toContain('No problems found.');
    expect(result.stdout).not.toContain('Skipped declarations');
  });

  it('a broken group: the skipped declaration and every failure, in text', async () => {
    const result = await run(['doctor', 'demo.broken'], { isTTY: true });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Skipped declarations (1):');
    expect(result.stdout).toContain(path.join('fmt-broken', 'package.json'));
    expect(result.stdout).toContain('Entry points that do not load (4):');
    expect(result.stdout).toContain('✗ demo.broken: throws = ./throws.js (fmt-broken@0.0.1)');
    expect(result.stdout).toContain('1 skipped declaration, 4 entry points failing to load.');
  });

  it('a group that does not exist is exit 1 with "did you mean"', async () => {
    const result = await run(['doctor', 'demo.formaters', '--json']);
    expect(result.code).toBe(1);
    expect(json(result).error).toMatchObject({
      code: 'GROUP_NOT_FOUND',
      didYouMean: ['demo.formatters', 'demo.formatter'],
    });
    const text = await run(['doctor', 'demo.broke']);
    expect(text.stderr).toMatch(/no entry points in group 'demo.broke' \(did you mean 'demo.broken'\?\)/);
  });
});

describe('stevedore docs', () => {
  it('a summary list sorted by name, descriptions from the plugin or its package', async () => {
    const result = await run(['docs', 'demo.formatters']);
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

  it('--detailed: a section per plugin with its full description', async () => {
    const result = await run(['docs', 'demo.formatters', '--detailed', '--heading-level', '3', '--titlecase']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '### Json\n\n> **Warning:** No documentation found for `json` in `./index.js:format`.\n',
    );
    expect(result.stdout).toContain('### Csv\n\nComma-separated values.\n');
  });

  it('--json tells where each description comes from', async () => {
    const data = json(await run(['docs', 'demo.formatters', '--json']));
    const byName = Object.fromEntries(data.plugins.map((plugin: Loose) => [plugin.name, plugin]));
    expect(byName.plain.descriptionSource).toBe('plugin');
    expect(byName.csv.descriptionSource).toBe('package');
    expect(byName.json.descriptionSource).toBeNull();
    expect(byName.json.package).toBe('fmt-json-fork@0.1.0');
    expect(data.markdown).toContain('- `plain` — Plain text, one value a line.\n');
  });

  it('plugins that fail to load are documented from their package, with a warning and exit 1', async () => {
    const result = await run(['docs', 'demo.broken', '--detailed']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('## throws\n\nFormatters that fail to load, each in its own way.\n');
    expect(result.stderr).toContain(
      "stevedore-ts: warning: could not load 'throws' (./throws.js): Error: cannot reach the database",
    );
    expect(result.stderr).toContain("run 'stevedore-ts show demo.broken throws' for details");
  });

  it('plugins that hang or exit are documented too', async () => {
    const result = await run(['docs', 'demo.unruly', '--detailed', '--timeout', '500']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('## fine\n\n> **Warning:** No documentation found for `fine` in `./fine.js`.\n');
    expect(result.stderr).toContain(
      "could not load 'hangs' (./hang.js): Timeout: did not finish loading within 500 ms",
    );
    expect(result.stderr).toContain("could not load 'exits' (./exit.js): Exit: the loading process exited with code 3");
  });

  it('a group with no entry points is exit 1', async () => {
    const result = await run(['docs', 'missing.group']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("no entry points in group 'missing.group'");
  });
});

describe('stevedore cache', () => {
  it('info and clear work on the cache folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stevedore-cli-cache-'));
    const env = { STEVEDORE_CACHE_DIR: dir, STEVEDORE_CACHE: undefined };
    try {
      await run(['list'], { env });
      const info = json(await run(['cache', 'info', '--json'], { env }));
      expect(info).toEqual({ dir, disabled: null, files: readdirSync(dir).length, bytes: expect.any(Number) });
      expect(info.files).toBeGreaterThan(0);
      const cleared = await run(['cache', 'clear'], { env });
      expect(cleared.code).toBe(0);
      expect(cleared.stdout).toBe(`Removed ${info.files} cache file${info.files === 1 ? '' : 's'} from ${dir}.\n`);
      expect(readdirSync(dir)).toEqual([]);
      const off = await run(['cache', 'info'], { env: { STEVEDORE_CACHE_DIR: dir, STEVEDORE_CACHE: '0' } });
      expect(off.stdout).toMatch(/status: off \(STEVEDORE_CACHE is set to 0\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts files and bytes, and clears with --json', async () => {
    const info = await run(['cache', 'info']);
    expect(info.stdout).toBe(`folder: ${cacheDir}\nstatus: off (STEVEDORE_CACHE is set to 0)\nfiles:  0 (0 B)\n`);
    writeFileSync(path.join(cacheDir, `${'ab'.repeat(8)}.json`), 'x'.repeat(2500));
    expect((await run(['cache', 'info'])).stdout).toContain('files:  1 (2.5 kB)\n');
    const cleared = await run(['cache', 'clear', '--json']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toEqual({ dir: cacheDir, removed: 1 });
    expect((await run(['cache', 'clear'])).stdout).toBe(`Removed 0 cache files from ${cacheDir}.\n`);
  });

  it('does not need a package.json', async () => {
    expect((await run(['cache', 'info'], { cwd: os.tmpdir() })).code).toBe(0);
    expect((await run(['cache', 'info', '--root', os.tmpdir()])).code).toBe(0);
  });
});

describe('bad input', () => {
  it.each([
    [['--json'], /missing command: one of list, show, doctor, docs, cache \(see 'stevedore-ts --help'\)/],
    [['lsit'], /unknown command 'lsit' \(did you mean 'list'\?\)/],
    [['list', '--frobnicate'], /unknown option '--frobnicate' \(see 'stevedore-ts list --help'\)/],
    [['list', '--timeout', '5'], /unknown option '--timeout'/],
    [['show', 'demo.formatters'], /missing NAME: usage: stevedore-ts show GROUP NAME/],
    [['docs'], /missing GROUP/],
    [['list', 'a', 'b'], /unexpected argument 'b' for stevedore-ts list/],
    [['list', '--root'], /option '--root' needs a value/],
    [['cache'], /missing ACTION \(info or clear\)/],
    [['cache', 'purge'], /unknown cache action 'purge': use 'stevedore-ts cache info' or 'stevedore-ts cache clear'$/m],
    [['cache', 'inf'], /unknown cache action 'inf' \(did you mean 'info'\?\)/],
    [['show', 'g', 'n', '--timeout', 'soon'], /--timeout expects a positive number of milliseconds, got 'soon'/],
    [['show', 'g', 'n', '--timeout', '0'], /--timeout expects a positive number of milliseconds, got '0'/],
    [['docs', 'g', '--heading-level', '9'], /--heading-level expects a number from 1 to 6, got '9'/],
  ])('%j is a usage error', async (args, message) => {
    expectUsageError(await run(args as string[]), message as RegExp);
  });

  describe.each([
    'list',
    'list demo.formatters',
    'show demo.formatters plain',
    'doctor',
    'docs demo.formatters',
    'cache info',
    'cache clear',
  ])("'%s' checks --root", (command) => {
    const args = command.split(' ');
    it('a folder that does not exist: exit 2', async () => {
      expectUsageError(await run([...args, '--root', 'no/such/folder']), /--root no\/such\/folder: no such folder \(/);
      expectUsageError(
        await run([...args, '--root', '/nonexistent', '--json']),
        /--root \/nonexistent: no such folder/,
      );
    });

    it('a file, or a path through a file: exit 2', async () => {
      expectUsageError(await run([...args, '--root', 'package.json']), /--root package\.json: not a folder \(/);
      expectUsageError(
        await run([...args, '--root', 'package.json/x']),
        /--root package\.json\/x: no such folder \(a part of the path is a file\)/,
      );
    });

    it('an empty value: exit 2', async () => {
      expectUsageError(await run([...args, '--root', '']), /--root needs a folder, got ''/);
    });
  });

  it('a root folder without a package.json points to the nearest one', async () => {
    const result = await run(['list'], { cwd: FIXTURES });
    expectUsageError(result, /the current folder holds no package.json \(.*\); the nearest one is in /);
    const missing = await run(['doctor', '--root', 'nowhere']);
    expectUsageError(missing, /--root nowhere: no such folder/);
  });

  it('a symbolic link loop', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stevedore-cli-root-'));
    try {
      symlinkSync('loop', path.join(dir, 'loop'));
      expectUsageError(await run(['list', '--root', 'loop'], { cwd: dir }), /--root loop: a loop of symbolic links/);
      expect(rootFolder(dir, undefined)).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plugins that misbehave, loaded for main()', () => {
  // Every package declares the same name: `show` loads them in order, in as few loaders as it can.
  const plugin = (name: string, code: string, groups = ['misbehave.g']) => ({
    name,
    entryPoints: Object.fromEntries(groups.map((group) => [group, { p: './p.js' }])),
    files: { 'p.js': `${code}\nif (Object.keys(exports).length === 0) module.exports = ${JSON.stringify(name)};\n` },
  });
  // Closes its stdout while a process it started still holds it: no end, no marker. (`sleep`: any process does,
  // and it costs no Node.js start.)
  const holdsStdout =
    "require('node:child_process').spawn('sleep', ['1000'], { stdio: 'inherit' }).unref();\n" +
    "require('node:fs').closeSync(1);";
  let tree: ReturnType<typeof createPackageTree>;

  beforeAll(() => {
    tree = createPackageTree({
      packages: [
        // Loads, then keeps the loader's thread blocked forever (as an endless loop does, without burning a core:
        // cli.test.ts has a real one): the next entry point must not be blamed for it.
        plugin('a-busy-after', 'setImmediate(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));'),
        plugin('b-innocent', "console.log('b loaded');"),
        // Loads, then ends the loader from a timer.
        plugin('c-exits-after', 'setTimeout(() => process.exit(7), 0);'),
        plugin('d-innocent', "console.log('d loaded');"),
        plugin('e-holds-stdout', holdsStdout),
        // Writes to the loader's channel: garbage, and an answer of its own making.
        plugin(
          'g-writes-to-the-channel',
          "const fs = require('node:fs');\n" +
            'for (const fd of [3, 4]) fs.writeSync(fd, \'garbage\\n\\u0000stevedore:{"id":6,"nonce":"x","outcome":{"loaded":false}}\\n\\u0000stevedore:[\');',
        ),
        // Exports 5000 names, and then is not what it seems to be.
        plugin('h-exports-5000', 'for (let i = 0; i < 5000; i++) exports[`name${i}`] = i;'),
        plugin(
          'i-throws-a-trap',
          "throw new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } });",
        ),
        plugin('f-floods', "process.stdout.write('€'.repeat(20000)); process.stderr.write('\\u001b]0;title\\u0007');", [
          'misbehave.g',
          'misbehave.text',
        ]),
        // The same as e-holds-stdout, after f-floods in misbehave.text: the two load in one loader (after a
        // plugin that holds its stdout, the next one needs a fresh loader).
        plugin('j-holds-stdout', holdsStdout, ['misbehave.text']),
      ],
    });
  });
  afterAll(() => tree.cleanup());

  it('each gets a defined outcome, and the others load undisturbed', async () => {
    // A limit below the grace its output is awaited for (1 s): e-holds-stdout, loaded, is not timed out meanwhile.
    const result = await run(['show', 'misbehave.g', 'p', '--json', '--timeout', '1000'], { cwd: tree.root });
    expect(result.stderr).toBe('');
    const loads = JSON.parse(result.stdout).matches.map((match: Loose) => [match.package.name, match.load]);
    expect(loads.map(([name, load]: [string, Loose]) => [name, load.status])).toEqual([
      ['a-busy-after', 'loaded'],
      ['b-innocent', 'loaded'],
      ['c-exits-after', 'loaded'],
      ['d-innocent', 'loaded'],
      ['e-holds-stdout', 'loaded'],
      ['f-floods', 'loaded'],
      ['g-writes-to-the-channel', 'loaded'],
      ['h-exports-5000', 'loaded'],
      ['i-throws-a-trap', 'failed'],
    ]);
    const byName = Object.fromEntries(loads);
    expect(byName['h-exports-5000'].plugin.members).toHaveLength(1001);
    expect(byName['h-exports-5000'].plugin.members.slice(-2)).toEqual(['name999', '… (4000 more)']);
    expect(byName['i-throws-a-trap'].error.message).toEqual(expect.any(String));
    const output = Object.fromEntries(loads.map(([name, load]: [string, Loose]) => [name, load.output]));
    expect(output['b-innocent'].stdout).toBe('b loaded\n');
    expect(output['d-innocent'].stdout).toBe('d loaded\n');
    expect(output['e-holds-stdout'].notes).toEqual([
      'stdout: may be incomplete: its end did not arrive within 1000 ms (the plugin redirected it, or a process it started holds it)',
    ]);
    // 20000 euro signs are 60000 bytes: the last one that fits whole in 32 KiB ends the text.
    expect(output['f-floods'].stdout).toBe('€'.repeat(Math.floor(OUTPUT_LIMIT_BYTES / 3)));
    expect(output['f-floods'].omittedBytes).toEqual({
      stdout: 60000 - Math.floor(OUTPUT_LIMIT_BYTES / 3) * 3,
      stderr: 0,
    });
    expect(output['f-floods'].notes).toEqual([
      `stdout: only the first 32 KiB are kept; ${60000 - Math.floor(OUTPUT_LIMIT_BYTES / 3) * 3} more bytes (26.6 KiB) were left out`,
    ]);
    expect(output['f-floods'].stderr).toBe('\u001b]0;title\u0007');
  });

  it('in text, notes follow the output, whose control characters are shown escaped', async () => {
    const result = await run(['show', 'misbehave.text', 'p'], { cwd: tree.root });
    expect(result.stdout).toContain('Printed to stderr while loading:\n  | \\x1b]0;title\\x07\n');
    expect(result.stdout).toContain('Note: stdout: only the first 32 KiB are kept;');
    expect(result.stdout).toContain('Note: stdout: may be incomplete');
  });
});

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
    const groups = memoryIo({ isTTY: true });
    expect(await main(['list'], groups)).toBe(0);
    expect(groups.out().split('\n')[0]).toMatch(/^GROUP +ENTRY POINTS +PACKAGES$/);
  });

  it('names and values from package.json files cannot talk to the terminal: control characters are shown escaped', async () => {
    const title = 'app\u001b]0;pwned\u0007';
    const tree = createPackageTree({
      packages: [
        {
          name: 'sneaky',
          manifest: { description: 'clears \u001b[2J the screen' },
          entryPoints: { [title]: { 'name\u001b[1A': './index.js' } },
          files: { 'index.js': 'module.exports = {};' },
        },
      ],
    });
    try {
      for (const args of [
        ['list'],
        ['list', title],
        ['show', title, 'name\u001b[1A'],
        ['docs', title],
        ['list', 'nothing'],
      ]) {
        const io = memoryIo({ cwd: tree.root });
        await main(args, io);
        const shown = io.out() + io.err();
        // eslint-disable-next-line no-control-regex -- the control characters are what must not appear
        expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        if (args.length === 1) expect(shown).toContain('app\\x1b]0;pwned\\x07');
        else if (args[1] === title) expect(shown).toContain('name\\x1b[1A');
      }
      const json = memoryIo({ cwd: tree.root });
      await main(['list', '--json'], json);
      expect(JSON.parse(json.out()).groups[0].name).toBe(title);
    } finally {
      tree.cleanup();
    }
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
        "stevedore-ts: every entry point of 'g.old' comes from a shadowed copy: none of them is loaded\n",
      );
    } finally {
      tree.cleanup();
    }
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
    expect(editDistance('sitting', 'kitten')).toBe(3);
    expect(editDistance('ca', 'abc')).toBe(3);
    expect(editDistance('abcdef', 'badcfe')).toBe(3);
  });

  it('does not compare names whose lengths alone tell them apart (a group of a megabyte costs nothing)', () => {
    const huge = `app.plugins${'x'.repeat(1_000_000)}`;
    expect(isTypo('app.plugins', huge)).toBe(false);
    expect(didYouMean('app.plugin', [huge, 'app.plugins', `${huge}s`])).toEqual(['app.plugins']);
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

describe('the command name', () => {
  it('is the name of the link it was run by, else stevedore-ts', () => {
    expect(commandName('/app/node_modules/.bin/stevedore-ts')).toBe('stevedore-ts');
    expect(commandName('/app/node_modules/.bin/stevedore')).toBe('stevedore');
    expect(commandName('C:\\app\\node_modules\\.bin\\stevedore.cmd'.replace(/\\/g, '/'))).toBe('stevedore');
    expect(commandName('/repo/dist/cli/main.js')).toBe('stevedore-ts');
    expect(commandName(undefined)).toBe('stevedore-ts');
    expect(commandName('/tmp/a name with spaces')).toBe('stevedore-ts');
  });
});

describe('what plugins print, shown on a terminal', () => {
  it('escapes control characters, keeping colors only when we use them', () => {
    const text = '\u001b[2J\u001b]0;title\u0007\u001b[31mred\u001b[0m\r\nok\ttab\n';
    expect(new Printer(memoryIo()).untrusted(text)).toBe('\\x1b[2J\\x1b]0;title\\x07red\\x0d\nok\ttab\n');
    expect(new Printer(memoryIo({ color: true })).untrusted(text)).toBe(
      '\\x1b[2J\\x1b]0;title\\x07\u001b[31mred\u001b[0m\\x0d\nok\ttab\n',
    );
  });
});

describe('capturing a stream', () => {
  const marker = Buffer.from('\u0000stevedore-loaded:0123456789abcdef\u0000');

  it('cuts the output at the marker, even when a read splits it', () => {
    for (let split = 0; split <= marker.length; split++) {
      const capture = new StreamCapture();
      let found = 0;
      capture.expect(marker, () => found++);
      const bytes = Buffer.concat([Buffer.from('mine\n'), marker, Buffer.from('next\n')]);
      capture.push(bytes.subarray(0, 5 + split));
      capture.push(bytes.subarray(5 + split));
      expect(found).toBe(1);
      expect(capture.collect()).toEqual({ text: 'mine\n', omittedBytes: 0 });
      expect(capture.collect()).toEqual({ text: 'next\n', omittedBytes: 0 });
    }
  });

  it('keeps what was held back when no marker comes', () => {
    const capture = new StreamCapture();
    capture.expect(marker, () => {
      throw new Error('no marker was written');
    });
    capture.push(Buffer.from('almost a marker: \u0000stevedore-loaded:'));
    capture.forget();
    expect(capture.collect().text).toBe('almost a marker: \u0000stevedore-loaded:');
  });

  it('keeps the first bytes up to the limit and counts the rest', () => {
    const capture = new StreamCapture();
    for (let i = 0; i < 100; i++) capture.push(Buffer.alloc(1000, 'x'));
    expect(capture.collect()).toEqual({
      text: 'x'.repeat(OUTPUT_LIMIT_BYTES),
      omittedBytes: 100_000 - OUTPUT_LIMIT_BYTES,
    });
    expect(capture.collect()).toEqual({ text: '', omittedBytes: 0 });
  });

  it('never cuts a character in two', () => {
    const capture = new StreamCapture(10);
    capture.push(Buffer.from('abcdefgh€€'));
    // 8 bytes, then the 3 bytes of a euro sign would cross the limit: it is left out, and counted.
    expect(capture.collect()).toEqual({ text: 'abcdefgh', omittedBytes: 6 });
    const small = new StreamCapture(3);
    small.push(Buffer.from('€€'));
    expect(small.collect()).toEqual({ text: '€', omittedBytes: 3 });
  });

  it('tells when its pipe has ended', () => {
    const capture = new StreamCapture();
    const calls: string[] = [];
    const cancel = capture.whenEnded(() => calls.push('cancelled'));
    capture.whenEnded(() => calls.push('first'));
    cancel();
    capture.end();
    capture.whenEnded(() => calls.push('after'));
    expect(calls).toEqual(['first', 'after']);
    expect(capture.ended).toBe(true);
  });
});

describe('waiting for what a loader started to be gone', () => {
  it('a zombie (dead, never reaped by its parent) is gone, alone or as the last of its process group', async () => {
    const { zombie, parent } = await startZombie();
    try {
      // Each target is looked at once: what runs is returned at once, what is a zombie is not.
      expect(await untilGone([zombie, -zombie], 0)).toEqual([]);
      expect(await untilGone([zombie, parent.pid!, -parent.pid!], 0)).toEqual([parent.pid, -parent.pid!]);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
