/**
 * Loading entry points for `show`, `doctor` and `docs`, safely: in a child
 * process with a time limit per entry point. A plugin that hangs is killed
 * (and the child replaced for the rest), one that calls `process.exit()` is
 * reported, and whatever a plugin prints is captured apart from our stdout.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EntryPoint } from '../entry-point';
import type { EntryPointData, LoadOutcome, PluginDescription, SerializedError } from './inspect';

/** Default time limit for loading one entry point, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** What trying to load one entry point gave. Part of the `--json` output (docs/cli.md). */
export interface LoadReport {
  /** `loaded`; `failed` (it threw); `timeout` (it did not settle in time); `crashed` (the process exited). */
  status: 'loaded' | 'failed' | 'timeout' | 'crashed';
  /** False when it loaded only with `loadAsync()` (an ES module with top-level await): managers need `create()`. */
  sync: boolean | null;
  plugin: PluginDescription | null;
  error: SerializedError | null;
  /** What to do about it, when we can tell. */
  hint: string | null;
  /** What the plugin printed while loading. */
  output: { stdout: string; stderr: string };
}

type Settled =
  | { kind: 'reply'; outcome: LoadOutcome; output: { stdout: string; stderr: string } }
  | { kind: 'timeout' }
  | { kind: 'closed'; code: number | null; signal: string | null; error?: Error };

/** The compiled child script; from the sources (tests), the one in dist/. */
function childScript(): string {
  const beside = path.join(__dirname, 'probe-child.js');
  if (existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'probe-child.js');
  if (existsSync(built)) return built;
  throw new Error(`cannot find probe-child.js beside ${__filename} nor in dist/ (run npm run build)`);
}

/** One child process that loads entry points one after the other. */
class ProbeProcess {
  private readonly child: ChildProcess;
  /** Resolves once the child runs (true), or has ended before (false): its start-up is not timed. */
  private readonly ready: Promise<boolean>;
  private settle: ((settled: Settled) => void) | null = null;
  private ended: Settled | null = null;
  private stdout = '';
  private stderr = '';
  private nextId = 0;

  constructor(cwd: string) {
    this.child = fork(childScript(), [], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
      serialization: 'json',
    });
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    let started: (running: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (started = resolve));
    this.child.on('message', (message: ChildMessage) => {
      if ('ready' in message) started(true);
      else this.settle?.({ kind: 'reply', outcome: message.outcome, output: message.output });
    });
    const end = (settled: Settled): void => {
      this.ended ??= settled;
      started(false);
      this.settle?.(settled);
    };
    this.child.on('error', (error) => end({ kind: 'closed', code: null, signal: null, error }));
    // 'close', not 'exit': by then the pipes have delivered everything the child wrote.
    this.child.on('close', (code, signal) => end({ kind: 'closed', code, signal }));
  }

  /** Loads one entry point; resolves with the reply, a timeout, or the child's end. */
  async load(entryPoint: EntryPoint, timeoutMs: number): Promise<{ settled: Settled; stdout: string; stderr: string }> {
    const running = await this.ready;
    this.stdout = '';
    this.stderr = '';
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle?.({ kind: 'timeout' }), timeoutMs);
      this.settle = (settled) => {
        clearTimeout(timer);
        this.settle = null;
        resolve({ settled, stdout: this.stdout, stderr: this.stderr });
      };
      if (!running || this.ended) {
        this.settle(this.ended ?? { kind: 'closed', code: null, signal: null });
        return;
      }
      const data: EntryPointData = {
        name: entryPoint.name,
        value: entryPoint.value,
        group: entryPoint.group,
        dist: entryPoint.dist,
      };
      this.child.send({ id: this.nextId++, entryPoint: data });
    });
  }

  /** Ends the child: politely when it is idle, by force when it hangs. */
  stop(force: boolean): void {
    if (this.ended) return;
    if (force) this.child.kill('SIGKILL');
    else if (this.child.connected) this.child.disconnect();
  }
}

type ChildMessage = { ready: true } | { outcome: LoadOutcome; output: { stdout: string; stderr: string } };

/**
 * Loads each entry point in a child process started in `cwd`, allowing each
 * `timeoutMs`, and reports what each gave, in order.
 */
export async function probeEntryPoints(
  entryPoints: readonly EntryPoint[],
  { timeoutMs = DEFAULT_TIMEOUT_MS, cwd }: { timeoutMs?: number; cwd: string },
): Promise<LoadReport[]> {
  const reports: LoadReport[] = [];
  let probe: ProbeProcess | null = null;
  try {
    for (const entryPoint of entryPoints) {
      probe ??= new ProbeProcess(cwd);
      const { settled, stdout, stderr } = await probe.load(entryPoint, timeoutMs);
      if (settled.kind !== 'reply') {
        probe.stop(true);
        probe = null;
      }
      reports.push(toReport(entryPoint, settled, { stdout, stderr }, timeoutMs));
    }
  } finally {
    probe?.stop(false);
  }
  return reports;
}

function toReport(
  entryPoint: EntryPoint,
  settled: Settled,
  piped: { stdout: string; stderr: string },
  timeoutMs: number,
): LoadReport {
  if (settled.kind === 'reply') {
    const output = { stdout: settled.output.stdout + piped.stdout, stderr: settled.output.stderr + piped.stderr };
    const { outcome } = settled;
    if (outcome.loaded) {
      const hint = outcome.sync
        ? null
        : 'it is an ES module with top-level await: only managers built with the static create() method ' +
          '(or entryPoint.loadAsync()) can load it; the constructors cannot';
      return { status: 'loaded', sync: outcome.sync, plugin: outcome.plugin, error: null, hint, output };
    }
    return {
      status: 'failed',
      sync: null,
      plugin: null,
      error: outcome.error,
      hint: hintFor(entryPoint, outcome.error),
      output,
    };
  }
  if (settled.kind === 'timeout') {
    return {
      status: 'timeout',
      sync: null,
      plugin: null,
      error: plainError('Timeout', `did not finish loading within ${timeoutMs} ms`),
      hint:
        'loading the module waits for something (a server, a prompt, a top-level await that never settles, ' +
        'an endless loop), which blocks every application that loads it; if it is only slow, raise --timeout',
      output: piped,
    };
  }
  const how = settled.error
    ? `could not run the loader process: ${settled.error.message}`
    : settled.signal
      ? `the loading process was killed by ${settled.signal}`
      : `the loading process exited with code ${settled.code} while loading`;
  return {
    status: 'crashed',
    sync: null,
    plugin: null,
    error: plainError('Exit', how),
    hint: settled.error ? null : 'the module ends the process when it is loaded (process.exit()?): a plugin must not',
    output: piped,
  };
}

function plainError(name: string, message: string): SerializedError {
  return { name, message, code: null, stack: null, causes: [] };
}

/** What to do about a load error, judging by its code and message. */
export function hintFor(entryPoint: EntryPoint, error: SerializedError): string | null {
  const pkg = entryPoint.dist ? `${entryPoint.dist.name}` : 'the package';
  switch (error.code) {
    case 'MODULE_NOT_FOUND':
    case 'ERR_MODULE_NOT_FOUND': {
      if (mentionsOwnModule(entryPoint, error.message)) {
        return entryPoint.module.startsWith('./')
          ? `${entryPoint.module} is not in ${pkg}: was it built, and is it listed in the "files" of its ` +
              'package.json? (`npm pack --dry-run` shows what gets published)'
          : `'${entryPoint.module}' cannot be resolved from ${pkg}: is it installed, and listed in its dependencies?`;
      }
      return `the plugin's code requires a module that is not installed: add it to the "dependencies" of ${pkg}`;
    }
    case 'ERR_PACKAGE_PATH_NOT_EXPORTED':
      return `'${entryPoint.module}' is not in the "exports" map of its package: export that subpath, or name an exported one`;
    case 'STEVEDORE_ASYNC_MODULE':
      return 'it is an ES module with top-level await: build the manager with its static create() method';
    case 'STEVEDORE_ATTRIBUTE_NOT_FOUND':
      return error.moduleMembers
        ? `the module exports: ${error.moduleMembers.join(', ') || '(nothing)'}; fix the part after ":" in the declaration`
        : 'fix the part after ":" in the declaration';
    case 'STEVEDORE_OUTSIDE_PACKAGE':
      return 'a "./" module must stay inside its package once symbolic links are followed';
    case 'ERR_REQUIRE_ESM':
      return 'this Node.js cannot require() this ES module: use Node >= 20.19, or a manager built with create()';
  }
  if (error.name === 'SyntaxError') {
    return 'the file is not valid JavaScript for this Node.js; if it uses import/export, check "type" in its package.json';
  }
  return 'the module threw while it was being loaded: see the stack above';
}

function mentionsOwnModule(entryPoint: EntryPoint, fullMessage: string): boolean {
  // Only the first line: the "Require stack" that follows names the plugin's own file.
  const message = fullMessage.split('\n')[0];
  if (entryPoint.module.startsWith('./')) {
    const file = path.join(entryPoint.dist?.root ?? '', entryPoint.module);
    return message.includes(`'${entryPoint.module}'`) || message.includes(file);
  }
  return message.includes(`'${entryPoint.module}'`);
}
