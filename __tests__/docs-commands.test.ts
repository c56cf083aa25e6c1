/**
 * Every shell command in README.md and docs/*.md, run as written. Commands
 * meant for an application's folder run in a fixture application that has the
 * packed stevedore-ts installed with npm, and the plugins the docs talk about
 * (the tarball is the one `npm pack` makes of the current build, made with
 * tar: consumer.test.ts checks that it is npm's, byte for byte); commands
 * meant for this repository run in it, each command line once. Where a block
 * shows output, the output must match (shortened as the docs shorten it, with `...`). The tutorial's
 * from-scratch section runs on its own, in an empty folder, files and all.
 * A command that cannot run here is listed below with the test that runs it
 * instead: a new command in the docs fails this test until it is classified.
 *
 * `npx stevedore-ts ...` in a folder that has stevedore-ts installed runs the
 * package's bin, node_modules/.bin/stevedore-ts. The tutorial's from-scratch
 * section runs its `npx` command through the real npx, right after the npm
 * installs that put the bin there; the commands of the application folder run
 * that bin directly, through an `npx` shell function that does what npx does
 * for a local bin and fails where there is none (where npx would fetch a
 * package). That spares npm's start-up, most of each command's cost. npm and
 * npx themselves run as the shell functions of npmShellFunctions (npm's own
 * scripts with the code cache for their modules), and only the commands that
 * start a package manager get the CA bundle.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './support/dist';
import { npmShellFunctions } from './support/installs';
import { NETWORK_ENV, childEnv } from './support/processes';
import { tempDir } from './support/temp';
import type { TempDir } from './support/temp';
import { TARBALL, packBuilt } from './support/package';

const DOCS = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).map((name) => `docs/${name}`)].filter((file) =>
  file.endsWith('.md'),
);
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const FROM_SCRATCH = { doc: 'docs/tutorial.md', heading: '## From scratch: a plugin package and an application' };

interface ShellCommand {
  doc: string;
  line: number;
  command: string;
  /** The output the doc shows after a `$ ` command, or null when it shows none. */
  output: string[] | null;
}

interface DocFile {
  doc: string;
  line: number;
  path: string;
  text: string;
}

const SHELL = new Set(['console', 'sh', 'shell', 'bash']);

/**
 * The shell commands of a Markdown text (fenced blocks of console, sh,
 * shell or bash; `console` blocks prefix commands with `$ `), and the files
 * it gives as a block after a line "File `path`:".
 */
function parseDoc(doc: string, text: string): { commands: ShellCommand[]; files: DocFile[] } {
  const commands: ShellCommand[] = [];
  const files: DocFile[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const fence = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!fence) {
      i++;
      continue;
    }
    const [, indent, lang] = fence;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    const body = lines.slice(start, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
    const caption = lines
      .slice(0, i)
      .reverse()
      .find((line) => line.trim() !== '');
    const named = caption && /^File `([^`]+)`:$/.exec(caption.trim());
    if (named) files.push({ doc, line: start, path: named[1], text: `${body.join('\n')}\n` });
    else if (SHELL.has(lang)) commands.push(...blockCommands(doc, start, lang, body));
    i = end + 1;
  }
  return { commands, files };
}

function blockCommands(doc: string, start: number, lang: string, body: string[]): ShellCommand[] {
  const commands: ShellCommand[] = [];
  for (let j = 0; j < body.length; j++) {
    const line = body[j];
    if (lang === 'console') {
      if (line.startsWith('$ ')) commands.push({ doc, line: start + j + 1, command: line.slice(2), output: [] });
      else commands[commands.length - 1]?.output?.push(line);
      continue;
    }
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    let command = line;
    while (command.endsWith('\\') && j + 1 < body.length) command = `${command.slice(0, -1)} ${body[++j].trim()}`;
    commands.push({ doc, line: start + j + 1, command, output: null });
  }
  for (const command of commands) {
    while (command.output && command.output.length > 0 && command.output[command.output.length - 1].trim() === '') {
      command.output.pop();
    }
    if (command.output?.length === 0) command.output = null;
  }
  return commands;
}

/** Where a command runs: in the fixture application, in this repository, or elsewhere (and why). */
const WHERE: { pattern: RegExp; where: 'app' | 'repo' | string }[] = [
  { pattern: /^npx stevedore-ts /, where: 'app' },
  { pattern: /^mkdir -p docs$/, where: 'app' },
  { pattern: /^node (examples|dist)\//, where: 'repo' },
  { pattern: /^npm ci && npm run build$/, where: 'the test run starts from npm ci, and its setup builds dist/' },
  { pattern: /^npm ci && npm test\b/, where: 'this is the test run' },
  { pattern: /^(npm ci && )?npm run demo\b/, where: 'a server that runs until stopped: trove-api.test.ts starts it' },
  { pattern: /^apt-get install /, where: "a system package, for docs/trove-api.md's manual troveclient check" },
  {
    pattern: /^\/usr\/bin\/python3 examples\/trove-api\/scripts\/check-troveclient\.py\b/,
    where: "the manual troveclient check: needs Debian's python3-troveclient and the running demo",
  },
  { pattern: /^curl .*127\.0\.0\.1:8779/, where: 'requests to the demo server: trove-api.test.ts makes them' },
  { pattern: /^npm install stevedore-ts$/, where: 'stevedore-ts is not published yet' },
  { pattern: /^npm ci && npm pack\b/, where: 'consumer.test.ts packs a copy of the checkout that way' },
  {
    pattern: /^npm install \.\.\/stevedore-ts\/stevedore-ts-[\d.]+\.tgz\b/,
    where: "the tutorial's from-scratch section runs the same install (below)",
  },
  { pattern: /^(yarn node|node -r \.\/\.pnp\.cjs) /, where: 'Yarn Plug-n-Play: layout-yarn-pnp.test.ts runs these' },
];

function whereOf(command: string): string | undefined {
  return WHERE.find(({ pattern }) => pattern.test(command))?.where;
}

/**
 * How `npx NAME ...` runs in a folder whose node_modules/.bin has NAME: that bin, with that folder on PATH
 * (npm exec's resolution of a local bin, without npm).
 */
const LOCAL_NPX = 'npx() { PATH="$PWD/node_modules/.bin:$PATH" "$PWD/node_modules/.bin/$1" "${@:2}"; }';

/** Commands that start a package manager, which may reach the registry; with the local-bin npx, npx is none. */
const PACKAGE_MANAGER = { real: /\b(npm|npx|pnpm|yarn)\b/, 'local-bin': /\b(npm|pnpm|yarn)\b/ };

/**
 * Runs one command line with bash; returns what it printed and its status. `npx: 'local-bin'` runs `npx` as
 * {@link LOCAL_NPX}; by default the real npx runs. npm and npx run with the code cache (npmShellFunctions).
 */
function sh(
  command: string,
  cwd: string,
  { npx = 'real' }: { npx?: 'real' | 'local-bin' } = {},
): { status: number | null; stdout: string; stderr: string } {
  const script = [npmShellFunctions(), npx === 'real' ? '' : LOCAL_NPX, command].filter(Boolean).join('\n');
  // Only a package manager may open a connection: the rest start without the CA bundle (80 ms of CPU each).
  const network = PACKAGE_MANAGER[npx].test(command) ? NETWORK_ENV : {};
  const run = spawnSync('bash', ['-o', 'pipefail', '-c', script], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    // Installs come from npm's cache when it has them; the local bin serves npx.
    env: childEnv({
      ...network,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      NO_COLOR: '1',
    }),
  });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * Whether `actual` matches the lines a doc shows, which may be shortened: `...` alone on a line stands for any
 * lines, and a line ending in ` ...` for any line that starts with what comes before.
 */
function matchesShown(actual: string[], shown: string[]): boolean {
  const match = (a: number, s: number): boolean => {
    if (s === shown.length) return a === actual.length;
    if (shown[s].trim() === '...') {
      for (let k = a; k <= actual.length; k++) if (match(k, s + 1)) return true;
      return false;
    }
    if (a === actual.length) return false;
    const line = shown[s].trimEnd();
    const same = line.endsWith(' ...') ? actual[a].startsWith(line.slice(0, -3)) : actual[a].trimEnd() === line;
    return same && match(a + 1, s + 1);
  };
  return match(0, 0);
}

/**
 * The command as bash runs it: without a trailing comment (where the line has no quoting, a ` #` starts one).
 * Two doc lines that differ only in their comments run the same command.
 */
function withoutComment(command: string): string {
  return /['"\\`]/.test(command) ? command : command.replace(/\s+#.*$/, '');
}

interface RunOptions {
  npx?: 'real' | 'local-bin';
  /**
   * The outcomes of the commands run so far, by command: a command that reads and writes nothing but its output
   * runs once, and each doc line that shows it is checked against that one run.
   */
  ranBefore?: Map<string, { status: number | null; stdout: string; stderr: string }>;
}

function expectRuns(command: ShellCommand, cwd: string, { ranBefore, ...options }: RunOptions = {}): void {
  const key = withoutComment(command.command);
  const run = ranBefore?.get(key) ?? sh(command.command, cwd, options);
  ranBefore?.set(key, run);
  const label = `${command.doc}:${command.line}: ${command.command}`;
  const outcome = { label, status: run.status, stderr: run.status === 0 ? '' : run.stderr };
  expect(outcome).toEqual({ label, status: 0, stderr: '' });
  if (command.output) {
    const actual = run.stdout.replace(/\n+$/, '').split('\n');
    const shown = { label, output: matchesShown(actual, command.output) ? command.output : actual };
    expect(shown).toEqual({ label, output: command.output });
  }
}

function write(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

const parsed = DOCS.map((doc) => ({ doc, ...parseDoc(doc, fs.readFileSync(path.join(REPO, doc), 'utf8')) }));
/** The lines of the tutorial's from-scratch section. */
const scratchLines = ((): { first: number; last: number } => {
  const lines = fs.readFileSync(path.join(REPO, FROM_SCRATCH.doc), 'utf8').split('\n');
  const first = lines.indexOf(FROM_SCRATCH.heading) + 1;
  const next = lines.findIndex((line, index) => index >= first && line.startsWith('## '));
  return { first, last: next === -1 ? lines.length : next };
})();
const inScratch = (item: { doc: string; line: number }): boolean =>
  item.doc === FROM_SCRATCH.doc && item.line > scratchLines.first && item.line <= scratchLines.last;
const scratch = {
  files: parsed.flatMap(({ files }) => files).filter(inScratch),
  commands: parsed.flatMap(({ commands }) => commands).filter(inScratch),
};
const commands = parsed.flatMap(({ commands }) => commands).filter((command) => !inScratch(command));

let temp: TempDir;
let tarballDir: string;
beforeAll(() => {
  temp = tempDir('docs');
  tarballDir = path.join(temp.dir, 'stevedore-ts');
  fs.mkdirSync(tarballDir);
  // The tarball npm packs of the current build, made with tar (consumer.test.ts checks that it is npm's).
  packBuilt(tarballDir);
}, 120_000);
afterAll(() => temp.cleanup());

test('every shell command in README.md and docs/ is run here, or by the test named for it', () => {
  expect(scratchLines.first).toBeGreaterThan(0);
  const unclassified = commands.filter((command) => !whereOf(command.command));
  expect(unclassified).toEqual([]);
  expect(commands.filter((command) => whereOf(command.command) === 'app').length).toBeGreaterThan(5);
});

describe('in an application folder with stevedore-ts and the plugins the docs show installed', () => {
  let app: string;
  beforeAll(() => {
    const plugins = path.join(temp.dir, 'plugins');
    write(plugins, {
      // docs/plugin-docs.md: a function and a class that describe themselves, and a module that does not.
      'fmt-plugins/package.json': JSON.stringify({
        name: 'fmt-plugins',
        version: '1.0.0',
        entryPoints: {
          'app.formatters': { csv: './csv.js:csv', json: './json.js:JsonFormatter', yaml: './yaml.js:default' },
        },
      }),
      'fmt-plugins/csv.js': `exports.csv = (rows) => rows.map((row) => row.join(',')).join('\\n');
exports.csv.description = 'Comma-separated values.';
`,
      'fmt-plugins/json.js': `class JsonFormatter {
  static description = \`Formats data as JSON.

Indents with two spaces; \\\`format(data)\\\` returns a string.\`;
  format(data) {
    return JSON.stringify(data, null, 2);
  }
}
module.exports = { JsonFormatter };
`,
      'fmt-plugins/yaml.js':
        'exports.default = (data) => Object.entries(data).map(([k, v]) => `${k}: ${v}`).join("\\n");\n',
      // docs/cli.md and docs/trove-api.md: the Trove example's separately packaged extension.
      'trove-ext-sample/package.json': JSON.stringify({
        name: 'trove-ext-sample',
        version: '1.0.0',
        description: 'Tags on database instances.',
        entryPoints: { 'trove.api.extensions': { tags: './tags.js:InstanceTags' } },
      }),
      'trove-ext-sample/tags.js': `class InstanceTags {
  getName() {
    return 'Tags';
  }
}
module.exports = { InstanceTags };
`,
    });
    app = path.join(temp.dir, 'app');
    write(app, { 'package.json': JSON.stringify({ name: 'docs-app', version: '1.0.0', private: true }) });
    const install = sh(
      [
        'npm install --no-audit --no-fund',
        path.join(tarballDir, TARBALL),
        path.join(plugins, 'fmt-plugins'),
        path.join(plugins, 'trove-ext-sample'),
        // docs/tutorial.md: the tutorial's formatters.
        path.join(REPO, 'examples', 'formatters'),
      ].join(' '),
      app,
    );
    if (install.status !== 0) throw new Error(install.stderr);
  }, 120_000);

  test.each(commands.filter((command) => whereOf(command.command) === 'app'))('$doc:$line $command', (command) =>
    expectRuns(command, app, { npx: 'local-bin' }),
  );

  test("the shell's `npx` runs the installed bin, and fails where none is installed", () => {
    expect(sh('type -t npx && npx stevedore-ts --version', app, { npx: 'local-bin' })).toEqual({
      status: 0,
      stdout: `function\n${VERSION}\n`,
      stderr: '',
    });
    const missing = sh('npx not-installed-here', app, { npx: 'local-bin' });
    expect(missing.status).toBe(127);
  });
});

describe('in this repository', () => {
  // The repository's commands run the examples and the command-line tool, which print and change nothing.
  const ranBefore: RunOptions['ranBefore'] = new Map();
  test.each(commands.filter((command) => whereOf(command.command) === 'repo'))('$doc:$line $command', (command) =>
    expectRuns(command, REPO, { ranBefore }),
  );

  test('a command differs from another by its trailing comment only where the line has no quoting', () => {
    expect(withoutComment('node x.js field --width 30   # one formatter')).toBe('node x.js field --width 30');
    expect(withoutComment('node x.js a#b')).toBe('node x.js a#b');
    expect(withoutComment("node -e 'x' # y")).toBe("node -e 'x' # y");
  });
});

test("the tutorial's from-scratch section, in an empty folder: its files, then its commands", () => {
  expect(scratch.files.map((file) => file.path)).toEqual([
    'greeter-plugin/package.json',
    'greeter-plugin/index.js',
    'greeter-app/app.js',
  ]);
  const commandsRun: string[] = [];
  let cwd = temp.dir;
  const pending = [...scratch.files];
  for (const command of scratch.commands) {
    // Files are written once the folders they go in exist, as a reader would.
    for (const file of pending.filter((f) => fs.existsSync(path.dirname(path.join(temp.dir, f.path))))) {
      write(temp.dir, { [file.path]: file.text });
      pending.splice(pending.indexOf(file), 1);
    }
    const cd = /^cd (\S+)$/.exec(command.command);
    if (cd) cwd = path.resolve(cwd, cd[1]);
    else expectRuns(command, cwd);
    commandsRun.push(command.command);
  }
  expect(pending).toEqual([]);
  expect(commandsRun).toEqual(expect.arrayContaining(['node app.js', 'npx stevedore-ts list greeter.greetings']));
  // The plugin did not need the library: nothing of it was installed in the plugin's folder.
  expect(fs.existsSync(path.join(temp.dir, 'greeter-plugin', 'node_modules'))).toBe(false);
}, 120_000);
