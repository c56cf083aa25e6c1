/**
 * The built command (dist/cli/main.js) run as a process, as users run it:
 * through the links npm makes, with exit codes and signals, and against
 * plugins that misbehave while they are loaded: print, flood, write straight
 * to the file descriptors, close their stdout, exit, loop, never settle,
 * start daemons, ignore SIGTERM or leave the process group. Each case checks
 * the command's answer and that no process it started is left behind (the
 * plugins write the pids of the loader and of what they start into files).
 * Everything else about the commands runs in-process: cli-main.test.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { OUTPUT_LIMIT_BYTES } from '../lib/cli/capture';
import type { PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import type { EnvChanges } from './support/processes';
import { childEnv, processStat, run as runProcess } from './support/processes';

const REPO = path.join(__dirname, '..');
const BIN = path.join(REPO, 'dist', 'cli', 'main.js');
const APP = path.join(__dirname, 'fixtures', 'cli', 'app');

// Parsed --json output: its shape is what the assertions check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The command's environment: every child's, without the colour variables (the command decides, as for a user). */
const CLI_ENV: EnvChanges = { NO_COLOR: undefined, FORCE_COLOR: undefined };

/** Runs the built command to its end (killed after 60 s: a hang fails the test instead of the run). */
function run(args: string[], { cwd = APP, command = [process.execPath, BIN] } = {}): Run {
  const [file, ...before] = command;
  const { status, signal, stdout, stderr } = runProcess(file, [...before, ...args], {
    cwd,
    env: CLI_ENV,
    timeout: 60_000,
  });
  return { code: status, signal, stdout, stderr };
}

/** One entry point's load report from `show --json` (the only match, or the index-th one). */
function loadOf(result: Run, index = 0): Loose {
  return JSON.parse(result.stdout).matches[index].load;
}

describe('the built command as a process', () => {
  it('exit codes: 0 success, 1 broken or missing, 2 usage error', () => {
    const ok = run(['list', 'demo.formatters', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).group).toBe('demo.formatters');
    const broken = run(['show', 'demo.broken', 'throws']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('Failed to load: Error: cannot reach the database');
    const usage = run(['cache', 'info', '--root', '/nonexistent']);
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toBe('stevedore-ts: --root /nonexistent: no such folder (/nonexistent)\n');
  });

  it("is the package's bin and runs from node_modules/.bin, by either name", () => {
    // That the tarball holds dist/cli/main.js and probe-child.js: consumer.test.ts, which packs a clean checkout.
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(Object.values(manifest.bin)).toContain('./dist/cli/main.js');
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);

    // What npm does on install: the package in node_modules, its bin linked into node_modules/.bin.
    const tree = createPackageTree({
      app: { name: 'consumer', entryPoints: { 'consumer.hooks': { start: './start.js' } }, files: { 'start.js': '' } },
    });
    try {
      mkdirSync(path.join(tree.root, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(REPO, path.join(tree.root, 'node_modules', 'stevedore-ts'), 'dir');
      const bin = (name: string): string[] => {
        const link = path.join(tree.root, 'node_modules', '.bin', name);
        symlinkSync(path.join('..', 'stevedore-ts', 'dist', 'cli', 'main.js'), link);
        return [link];
      };
      const result = run(['show', 'consumer.hooks', 'start', '--json'], {
        cwd: tree.root,
        command: bin('stevedore-ts'),
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(loadOf(result)).toMatchObject({ status: 'loaded', plugin: { kind: 'object' } });
      // Messages call the command by the name it was run by.
      const missing = run(['list', 'nothing'], { cwd: tree.root, command: bin('stevedore') });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^stevedore: no entry points in group 'nothing'.*run 'stevedore list'/);
    } finally {
      tree.cleanup();
    }
  });

  it('too few file descriptors to start the loader: the entry point is reported crashed, with a hint', () => {
    // Under a low `ulimit -n` node itself starts, but spawning the loader (eight pipe ends) fails with EMFILE.
    // The limit where that happens depends on the machine, so every limit from node's least upwards is tried:
    // each must give an answer (loaded, or crashed with the reason), never a crash of the command.
    const answers: string[] = [];
    for (let limit = 12; limit <= 48 && !answers.includes('loaded'); limit += 2) {
      const script = `ulimit -n ${limit} && exec "$@"`;
      const result = run(['show', 'demo.formatters', 'json', '--json'], {
        command: ['/bin/sh', '-c', script, 'sh', process.execPath, BIN],
      });
      if (!result.stdout.startsWith('{')) {
        // node could not start at all under this limit (nothing of ours ran yet)
        expect(result.code).not.toBe(0);
        expect(result.stderr).not.toContain('stevedore-ts');
        continue;
      }
      const answer = JSON.parse(result.stdout);
      if (answer.error) {
        // Started, but no package.json could be opened: nothing found, and the message says why.
        expect(result.code).toBe(1);
        expect(answer.error.code).toBe('GROUP_NOT_FOUND');
        expect(answer.error.message).toMatch(/\(could not read .*EMFILE: too many open files/);
        continue;
      }
      expect(result.stderr).toBe('');
      const load = loadOf(result);
      answers.push(load.status);
      if (load.status === 'loaded') expect(result.code).toBe(0);
      else {
        expect(result.code).toBe(1);
        expect(load).toMatchObject({ status: 'crashed', hint: expect.stringContaining('ulimit -n') });
        expect(load.error.message).toContain('EMFILE');
      }
    }
    expect(answers).toContain('crashed');
    expect(answers.at(-1)).toBe('loaded');
  });
});

/**
 * A package whose plugins misbehave; each records, in `pids/`, the pid of
 * the loader that loads it (`NAME.loader`) and of each process it starts.
 */
const RECORD = `const fs = require('node:fs');
const path = require('node:path');
const file = (name) => path.join(__dirname, 'pids', name);
module.exports = (name, pid = process.pid) => {
  fs.writeFileSync(file(name) + '.tmp', String(pid));
  fs.renameSync(file(name) + '.tmp', file(name));
};
// Blocks until a process the plugin started has recorded itself: the plugin loads only once it runs.
module.exports.until = (name) => {
  while (!fs.existsSync(file(name))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
};
`;
/**
 * A process that ignores SIGTERM and lives until killed, started by a plugin, recording its own pid once it
 * ignores it: a shell that becomes `sleep` (what is ignored stays ignored across exec), a few milliseconds of
 * CPU where a Node.js process would take a hundred.
 */
const stubbornChild = (name: string) =>
  `'sh', ['-c', ${JSON.stringify(`trap '' TERM; echo $$ > pids/${name}.tmp && mv pids/${name}.tmp pids/${name} && exec sleep 1000`)}]`;

const UNRULY: Record<string, string> = {
  'record.js': RECORD,
  'pids/.keep': '',
  // Prints 600 kB through console.log and 600 kB straight to fd 1 (each many times what a pipe holds), then loads.
  'flood.js': `require('./record.js')('flood.loader');
const line = 'x'.repeat(99);
for (let i = 0; i < 6000; i++) console.log(line);
require('node:fs').writeSync(1, 'y'.repeat(600_000));
module.exports = 'flooded';
`,
  // Prints forever: before, the command ran out of memory (RangeError: Invalid string length).
  'flood-forever.js': `require('./record.js')('flood-forever.loader');
const block = 'z'.repeat(65536);
for (;;) process.stdout.write(block);
`,
  // Starts a process that keeps the loader's stdout and stderr open, printing.
  'daemon.js': `require('./record.js')('daemon.loader');
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', "require('./record.js')('daemon.child'); setInterval(() => console.log('tick'), 5)"], { cwd: __dirname, stdio: 'inherit' });
child.unref();
require('./record.js').until('daemon.child');
module.exports = 'daemon started';
`,
  // Forks twice and the grandchild starts a session of its own: a classic daemon.
  'daemonises.js': `require('./record.js')('daemonises.loader');
const { spawn } = require('node:child_process');
const grandchild = "require('node:child_process').spawn(process.execPath, ['-e', " +
  JSON.stringify("require('./record.js')('daemonises.grandchild'); setInterval(() => {}, 1000)") +
  "], { cwd: process.cwd(), detached: true, stdio: 'ignore' }).unref(); require('./record.js')('daemonises.child');";
spawn(process.execPath, ['-e', grandchild], { cwd: __dirname, stdio: 'ignore' }).unref();
require('./record.js').until('daemonises.grandchild');
module.exports = 'daemonised';
`,
  // Moves a child into a process group of its own (setpgrp, same session).
  'regroups.js': `require('./record.js')('regroups.loader');
const { spawn } = require('node:child_process');
spawn('perl', ['-e', 'setpgrp(0, 0); open(my $f, ">", "pids/regroups.tmp"); print $f $$; close($f); rename("pids/regroups.tmp", "pids/regroups.child"); sleep 1000'], { cwd: __dirname, stdio: 'ignore' }).unref();
require('./record.js').until('regroups.child');
module.exports = 'regrouped';
`,
  // Ignores SIGTERM, starts a child that does too (it records itself once it ignores it), and never returns:
  // it blocks the thread, as an endless loop does, without spinning a core (loops.js is the endless loop).
  'stubborn.js': `const record = require('./record.js');
record('stubborn.loader');
process.on('SIGTERM', () => {});
const { spawn } = require('node:child_process');
const child = spawn(${stubbornChild('stubborn.child')}, { cwd: __dirname, stdio: 'ignore' });
record('stubborn.spawned', child.pid);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
`,
  'loops.js': `require('./record.js')('loops.loader');
for (;;);
`,
  'never.mjs': `import record from './record.js';
record('never.loader');
await new Promise(() => {});
export default 'never';
`,
  // Prints 1 MB, then ends the process in the middle of loading.
  'exits.js': `require('./record.js')('exits.loader');
for (let i = 0; i < 100; i++) process.stdout.write('e'.repeat(10_000));
process.stderr.write('bye\\n');
process.exit(4);
`,
  // Closes fd 1: what it prints after that is lost, and the next plugin still has a stdout.
  'closes.js': `require('./record.js')('closes.loader');
const fs = require('node:fs');
console.log('before closing');
fs.closeSync(1);
console.log('after closing');
module.exports = 'closed';
`,
  'after-close.js': `require('./record.js')('after-close.loader');
console.log('printed by the next one');
module.exports = 'next';
`,
};

const UNRULY_ENTRY_POINTS = {
  'unruly.flood': { flood: './flood.js', forever: './flood-forever.js' },
  'unruly.daemons': { daemon: './daemon.js', daemonises: './daemonises.js', regroups: './regroups.js' },
  'unruly.hangs': { stubborn: './stubborn.js', loops: './loops.js', never: './never.mjs' },
  'unruly.ends': { exits: './exits.js', closes: './closes.js' },
};

describe('plugins that misbehave while they are loaded', () => {
  let tree: PackageTree;
  let pids: string;

  beforeAll(() => {
    const racers = Array.from({ length: 8 }, (_, index) => ({
      name: `racer-${index}`,
      entryPoints: { 'unruly.race': { racer: './racer.js' } },
      // Console and raw writes to both descriptors, more than a pipe holds: they arrive after the reply.
      files: {
        'racer.js': `const fs = require('node:fs');
console.log('console ${index}');
fs.writeSync(1, 'raw ${index}\\n' + '${index}'.repeat(100000));
console.error('console.error ${index}');
fs.writeSync(2, 'raw ${index}\\n' + '${index}'.repeat(100000));
module.exports = ${index};
`,
      },
    }));
    tree = createPackageTree({
      packages: [
        { name: 'unruly', entryPoints: UNRULY_ENTRY_POINTS, files: UNRULY },
        {
          name: 'zz-after',
          entryPoints: { 'unruly.ends': { closes: './after-close.js' } },
          files: { 'after-close.js': UNRULY['after-close.js'], 'record.js': RECORD, 'pids/.keep': '' },
        },
        ...racers,
      ],
    });
    pids = path.join(tree.root, 'node_modules', 'unruly', 'pids');
  });
  afterAll(() => {
    // Should a test have failed with processes left, do not leave them running.
    for (const pid of recordedPids()) killQuietly(pid);
    tree.cleanup();
  });

  function pidFolders(): string[] {
    return [pids, path.join(tree.root, 'node_modules', 'zz-after', 'pids')];
  }

  function recordedPids(): number[] {
    return pidFolders().flatMap((folder) =>
      readdirSync(folder)
        .filter((file) => file !== '.keep')
        .map((file) => Number(readFileSync(path.join(folder, file), 'utf8'))),
    );
  }

  /**
   * stubborn.js has recorded the child it started, and the child has recorded itself: a shell, which may get that
   * far before the plugin's own record.
   */
  function stubbornStarted(): boolean {
    return ['stubborn.spawned', 'stubborn.child'].every((name) => existsSync(path.join(pids, name)));
  }

  function pidOf(name: string): number {
    const pid = Number(readFileSync(path.join(pids, name), 'utf8'));
    expect(pid).toBeGreaterThan(1);
    return pid;
  }

  /** Runs the command in the tree. */
  function runHere(args: string[]): Run {
    return run(args, { cwd: tree.root });
  }

  it('a plugin that floods stdout: the first 32 KiB are kept, the rest is counted', () => {
    const result = runHere(['show', 'unruly.flood', 'flood', '--json', '--timeout', '30000']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const load = loadOf(result);
    expect(load.status).toBe('loaded');
    expect(load.output.stdout).toBe(
      `${'x'.repeat(99)}\n`.repeat(Math.ceil(OUTPUT_LIMIT_BYTES / 100)).slice(0, OUTPUT_LIMIT_BYTES),
    );
    expect(load.output.omittedBytes).toEqual({ stdout: 600_000 + 600_000 - OUTPUT_LIMIT_BYTES, stderr: 0 });
    expect(load.output.notes).toEqual([
      `stdout: only the first 32 KiB are kept; ${1_200_000 - OUTPUT_LIMIT_BYTES} more bytes (1.1 MiB) were left out`,
    ]);
    expectGone('flood.loader');
  });

  it('a plugin that prints forever: timed out, with what was kept', () => {
    // Its first write alone is more than is kept; the limit only bounds how long it floods (and how long the
    // plugin and the command keep a core each busy): before it, the plugin needs only to be required, record
    // its pid and make that first write, a few milliseconds of work even on a loaded machine.
    const result = runHere(['show', 'unruly.flood', 'forever', '--json', '--timeout', '500']);
    expect(result.code).toBe(1);
    const load = loadOf(result);
    expect(load.status).toBe('timeout');
    expect(load.output.stdout).toBe('z'.repeat(OUTPUT_LIMIT_BYTES));
    expect(load.output.omittedBytes.stdout).toBeGreaterThan(0);
    expectGone('flood-forever.loader');
  });

  it('bytes written straight to fd 1 and 2 are given to the entry point that wrote them', () => {
    // Eight packages declare the same name: show loads all eight in one loader, one after the other.
    const result = runHere(['show', 'unruly.race', 'racer', '--json', '--timeout', '30000']);
    expect(result.code).toBe(0);
    const { matches } = JSON.parse(result.stdout);
    expect(matches).toHaveLength(8);
    matches.forEach((match: Loose, index: number) => {
      const raw = `raw ${index}\n${String(index).repeat(100000)}`;
      expect(match.load.status).toBe('loaded');
      expect(match.load.output.stdout).toBe(`console ${index}\n${raw}`.slice(0, OUTPUT_LIMIT_BYTES));
      expect(match.load.output.stderr).toBe(`console.error ${index}\n${raw}`.slice(0, OUTPUT_LIMIT_BYTES));
      expect(match.load.output.omittedBytes).toEqual({
        stdout: `console ${index}\n${raw}`.length - OUTPUT_LIMIT_BYTES,
        stderr: `console.error ${index}\n${raw}`.length - OUTPUT_LIMIT_BYTES,
      });
    });
  });

  it('plugins that start daemons: the command answers and exits, and every daemon is ended', () => {
    // One holds the loader's stdout and stderr and prints; one forks twice into a session of its own;
    // one moves a child into a process group of its own.
    const result = runHere(['doctor', 'unruly.daemons', '--json', '--timeout', '30000']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, checked: 3, loadFailures: [] });
    expectGone('daemon.loader', 'daemon.child');
    expectGone('daemonises.loader', 'daemonises.child', 'daemonises.grandchild');
    expectGone('regroups.loader', 'regroups.child');
  });

  it('plugins that loop, never settle, or ignore SIGTERM: timed out, each, and ended', () => {
    // The limit runs from the loader's receipt of each request (a few milliseconds away, even on a loaded
    // machine); within it, each plugin needs only to be required and to record its pid (stubborn.js also
    // starts a child), a few milliseconds of work. Each then waits the limit out, loops.js burning a core
    // meanwhile: 500 ms is many times what they need, also when the machine is busy enough to leave a process
    // waiting for its turn a while.
    const result = runHere(['doctor', 'unruly.hangs', '--json', '--timeout', '500']);
    expect(result.code).toBe(1);
    const failures = JSON.parse(result.stdout).loadFailures.map((failure: Loose) => [
      failure.name,
      failure.load.status,
    ]);
    expect(failures).toEqual([
      ['stubborn', 'timeout'],
      ['loops', 'timeout'],
      ['never', 'timeout'],
    ]);
    expectGone('stubborn.loader', 'stubborn.spawned', 'loops.loader', 'never.loader');
  });

  it('a plugin that exits in the middle of loading: crashed, what it printed until then is kept', () => {
    const result = runHere(['show', 'unruly.ends', 'exits', '--json', '--timeout', '30000']);
    expect(result.code).toBe(1);
    const load = loadOf(result);
    expect(load).toMatchObject({
      status: 'crashed',
      error: { message: 'the loading process exited with code 4 while loading' },
    });
    expect(load.output.stdout).toBe('e'.repeat(OUTPUT_LIMIT_BYTES));
    // Nothing was lost on the way: every byte is kept or counted.
    expect(load.output.omittedBytes).toEqual({ stdout: 1_000_000 - OUTPUT_LIMIT_BYTES, stderr: 0 });
    expect(load.output.stderr).toBe('bye\n');
    expectGone('exits.loader');
  });

  it('a plugin that closes its stdout: noted, and the next entry point is loaded by a fresh loader', () => {
    const result = runHere(['show', 'unruly.ends', 'closes', '--json', '--timeout', '30000']);
    expect(result.code).toBe(0);
    const [closer, next] = [loadOf(result, 0), loadOf(result, 1)];
    expect(closer.status).toBe('loaded');
    expect(closer.output.stdout).toBe('before closing\n');
    expect(closer.output.notes).toEqual([
      'stdout: the plugin closed it while loading; what it printed after that is lost',
    ]);
    expect(next.status).toBe('loaded');
    expect(next.output.stdout).toBe('printed by the next one\n');
    const nextLoader = Number(
      readFileSync(path.join(tree.root, 'node_modules', 'zz-after', 'pids', 'after-close.loader'), 'utf8'),
    );
    expect(nextLoader).not.toBe(pidOf('closes.loader'));
    expectGone('closes.loader');
    expect(alive(nextLoader)).toBe(false);
  });

  describe.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('%s to the command while a plugin hangs', (signal, status) => {
    it(`ends the loader's group with it, then exits with ${status}`, async () => {
      const child = spawn(process.execPath, [BIN, 'show', 'unruly.hangs', 'stubborn', '--timeout', '60000'], {
        cwd: tree.root,
        env: childEnv(CLI_ENV),
        stdio: 'ignore',
      });
      try {
        const exited = exitOf(child);
        await waitForAsync(stubbornStarted);
        child.kill(signal);
        expect(await exited).toEqual({ code: status, signal: null });
        expect(status).toBe(128 + constants.signals[signal]);
        expectGone('stubborn.loader', 'stubborn.spawned', 'stubborn.child');
      } finally {
        child.kill('SIGKILL');
      }
    });
  });

  it('the command killed outright (SIGKILL): its loader notices and ends its group', async () => {
    const child = spawn(process.execPath, [BIN, 'show', 'unruly.hangs', 'stubborn', '--timeout', '60000'], {
      cwd: tree.root,
      env: childEnv(CLI_ENV),
      stdio: 'ignore',
    });
    const exited = exitOf(child);
    await waitForAsync(stubbornStarted);
    child.kill('SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    expectGone('stubborn.loader', 'stubborn.spawned', 'stubborn.child');
  });

  beforeEach(() => {
    // Each test reads the pids its own run recorded (and one that failed leaves nothing running).
    for (const pid of recordedPids()) killQuietly(pid);
    for (const folder of pidFolders()) {
      for (const file of readdirSync(folder)) if (file !== '.keep') rmSync(path.join(folder, file));
    }
  });

  /** Asserts that the processes recorded under these names are gone, and the loader's process group is empty. */
  function expectGone(...names: string[]): void {
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const pid = pidOf(name);
      waitFor(() => !alive(pid));
      expect({ name, alive: alive(pid) }).toEqual({ name, alive: false });
      if (name.endsWith('.loader')) {
        waitFor(() => groupMembers(pid).length === 0);
        expect({ name, group: groupMembers(pid) }).toEqual({ name, group: [] });
      }
    }
  }
});

/** Whether a process runs (a zombie, dead but not yet reaped, does not). */
function alive(pid: number): boolean {
  const stat = processStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** The running processes of a process group (Linux: from /proc). */
function groupMembers(group: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const stat = processStat(entry);
      return stat !== null && stat.state !== 'Z' && stat.group === group;
    })
    .map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/**
 * Waits (polling, at most 10 s) until `condition` holds: a SIGKILL takes a
 * moment to land, and a daemon a moment to start. The caller asserts after.
 */
function waitFor(condition: () => boolean): void {
  const deadline = Date.now() + 10_000;
  while (!condition() && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
}

async function waitForAsync(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}
