/**
 * The loader process behind `show`, `doctor` and `docs`: a child process
 * that loads the entry points it is sent, one at a time (probe-child.ts).
 *
 * It runs in a process group of its own, and whatever it leaves behind is
 * ended with it: when the command is done with it, when a plugin hangs, and
 * when the command is stopped by a signal (the bin installs the handlers).
 * Processes that leave the group (setsid) are found by a token in their
 * environment on Linux. What it prints reaches the command through two
 * pipes, cut per entry point by a marker the loader writes after each load;
 * requests and answers travel on two more (channel.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { EntryPointData, LoadOutcome } from './inspect';
import type { CapturedText } from './capture';
import { StreamCapture } from './capture';
import { FrameReader, frame } from './channel';
import { isRunning } from '../process-state';

/** The environment variable that marks the loader and everything it starts (its value: a token per loader). */
export const LOADER_TOKEN_VARIABLE = 'STEVEDORE_LOADER_TOKEN';

/**
 * How long, after a plugin was loaded, its output may take to reach the
 * command (a stream the plugin closed or redirected brings no marker), and
 * how long an ended loader's pipes are waited for. Only reached in those
 * cases: normally the marker arrives in microseconds.
 */
export const DRAIN_GRACE_MS = 1000;

/** Time allowed for the loader process to start, on top of the time limit of its first load. */
export const START_ALLOWANCE_MS = 10_000;

const POSIX = process.platform !== 'win32';
const STREAMS = ['stdout', 'stderr'] as const;

export type Stream = 'stdout' | 'stderr';

/**
 * What became of a stream by the end of a load: `drained` (the marker came:
 * everything printed before it was read), `closed` (the pipe ended before
 * the marker: the plugin closed or replaced the descriptor), `undrained`
 * (neither came within {@link DRAIN_GRACE_MS}: another process may hold it).
 */
export type StreamState = 'drained' | 'closed' | 'undrained';

/** How a request ended. */
export type Settled =
  | { kind: 'reply'; outcome: LoadOutcome; streams: Record<Stream, StreamState> }
  | { kind: 'timeout' }
  /** The loader ended while loading (exit code or signal), or could not be run (error). */
  | { kind: 'ended'; code: number | null; signal: string | null; error?: Error }
  /** The loader ended, or was stuck, before it began this load: not the entry point's doing. */
  | { kind: 'lost' };

/** What one request gave, with what the plugin printed meanwhile. */
export interface LoadResult {
  settled: Settled;
  stdout: CapturedText;
  stderr: CapturedText;
}

/** What the loader says: it runs; it received request `started`; the outcome of request `id`. */
type ChildMessage =
  { ready: true } | { started: number; nonce: string } | { id: number; nonce: string; outcome: LoadOutcome };

/** A message from the channel, if it has the shape of one the loader sends (a plugin may write there too). */
function childMessage(message: Record<string, unknown>): ChildMessage | null {
  if (message.ready === true) return { ready: true };
  if (typeof message.nonce !== 'string') return null;
  if (typeof message.started === 'number') return { started: message.started, nonce: message.nonce };
  const outcome = message.outcome as LoadOutcome | undefined;
  if (typeof message.id !== 'number' || outcome === null || typeof outcome !== 'object') return null;
  return { id: message.id, nonce: message.nonce, outcome };
}

/** Loaders that may still be running (or have left processes behind), for {@link endAllLoaders}. */
const live = new Set<Loader>();

/**
 * Ends every loader's process group at once, synchronously: for signal
 * handlers and `process.on('exit')`, where nothing can be waited for.
 */
export function endAllLoaders(): void {
  for (const loader of live) loader.kill();
}

let exitHookInstalled = false;

/** The compiled child script; from the sources (tests), the one in dist/. */
function childScript(): string {
  const beside = path.join(__dirname, 'probe-child.js');
  if (existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'probe-child.js');
  if (existsSync(built)) return built;
  throw new Error(`cannot find probe-child.js beside ${__filename} nor in dist/ (run npm run build)`);
}

export class Loader {
  private readonly child: ChildProcess;
  private readonly token = randomBytes(12).toString('hex');
  private readonly ready: Promise<boolean>;
  private readonly exited: Promise<void>;
  private exit: { code: number | null; signal: string | null; error?: Error } | null = null;
  private readonly captures: Record<Stream, StreamCapture> = {
    stdout: new StreamCapture(),
    stderr: new StreamCapture(),
  };
  private readonly requests: Writable | null;
  private onMessage: ((message: Exclude<ChildMessage, { ready: true }>) => void) | null = null;
  private onExit: (() => void) | null = null;
  private ending: Promise<void> | null = null;
  private killed = false;
  /** False once output can no longer be told apart per entry point. */
  private attributable = true;
  private nextId = 0;

  /** @param cwd The folder the loader runs in (the application's root). */
  constructor(cwd: string) {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', endAllLoaders);
    }
    let started: (running: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (started = resolve));
    let exited: () => void = () => {};
    this.exited = new Promise((resolve) => (exited = resolve));
    const end = (exit: NonNullable<Loader['exit']>): void => {
      this.exit ??= exit;
      started(false);
      exited();
      this.onExit?.();
    };
    // fd 3 carries requests to the loader, fd 4 its answers (see channel.ts); stdin is empty.
    this.child = spawn(process.execPath, [childScript(), ...(POSIX ? ['--own-group'] : [])], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      // A group (and session) of its own: it can be ended whole, and a terminal's Ctrl-C reaches only us.
      detached: POSIX,
      env: { ...process.env, [LOADER_TOKEN_VARIABLE]: this.token },
    });
    // First: a loader that cannot be started (EMFILE, EAGAIN) says so with an 'error' event, and has no pipes.
    this.child.on('error', (error) => end({ code: null, signal: null, error }));
    this.child.on('exit', (code, signal) => end({ code, signal }));
    live.add(this);
    const stdio = this.child.stdio ?? [];
    this.requests = (stdio[3] as Writable | null | undefined) ?? null;
    this.requests?.on('error', () => {});
    for (const stream of STREAMS) {
      const pipe = this.child[stream];
      const capture = this.captures[stream];
      if (!pipe) {
        capture.end();
        continue;
      }
      pipe.on('data', (chunk: Buffer) => capture.push(chunk));
      pipe.on('end', () => capture.end());
      pipe.on('close', () => capture.end());
      pipe.on('error', () => capture.end());
    }
    const replies = (stdio[4] as Readable | null | undefined) ?? null;
    const reader = new FrameReader((raw) => {
      const message = childMessage(raw);
      if (message === null) return;
      if ('ready' in message) started(true);
      else this.onMessage?.(message);
    });
    replies?.setEncoding('utf8').on('data', (text: string) => reader.push(text));
    replies?.on('error', () => {});
  }

  /** Whether the next entry point can be loaded here, its output told apart from the ones before. */
  get reusable(): boolean {
    return (
      !this.exit && !this.killed && this.attributable && !this.captures.stdout.ended && !this.captures.stderr.ended
    );
  }

  /**
   * Loads one entry point, allowing it `timeoutMs` from when the loader
   * receives it. After a timeout or the loader's end, the loader's group is
   * ended and its pipes read to their end before this resolves.
   */
  async load(entryPoint: EntryPointData, timeoutMs: number): Promise<LoadResult> {
    const startLimit = timeoutMs + START_ALLOWANCE_MS;
    const running = await within(this.ready, startLimit);
    let settled: Settled;
    if (running === undefined) {
      const error = new Error(`the loader process did not start within ${startLimit} ms`);
      settled = { kind: 'ended', code: null, signal: null, error };
    } else if (!running) {
      settled = { kind: 'lost' };
    } else {
      settled = await this.request(entryPoint, timeoutMs);
    }
    if (settled.kind !== 'reply') await this.end();
    if (settled.kind === 'lost' && this.exit?.error) settled = { kind: 'ended', ...this.exit };
    return { settled, stdout: this.captures.stdout.collect(), stderr: this.captures.stderr.collect() };
  }

  /** Why the loader ended, once it has. */
  get ended(): { code: number | null; signal: string | null; error?: Error } | null {
    return this.exit;
  }

  private request(entryPoint: EntryPointData, timeoutMs: number): Promise<Settled> {
    const id = this.nextId++;
    const nonce = randomBytes(8).toString('hex');
    const marker = Buffer.from(`\u0000stevedore-loaded:${nonce}\u0000`);
    return new Promise((resolve) => {
      let started = false;
      let reply: LoadOutcome | null = null;
      const marked: Record<Stream, boolean> = { stdout: false, stderr: false };
      const timers: NodeJS.Timeout[] = [];
      const cancels: (() => void)[] = [];
      const states = (): Record<Stream, StreamState> => {
        const state = (stream: Stream): StreamState =>
          marked[stream] ? 'drained' : this.captures[stream].ended ? 'closed' : 'undrained';
        return { stdout: state('stdout'), stderr: state('stderr') };
      };
      let done = false;
      const finish = (settled: Settled): void => {
        // Listeners of a finished request may still be called (a pipe ending later): they must do nothing.
        if (done) return;
        done = true;
        for (const timer of timers) clearTimeout(timer);
        for (const cancel of cancels) cancel();
        this.onMessage = null;
        this.onExit = null;
        for (const stream of STREAMS) this.captures[stream].forget();
        resolve(settled);
      };
      const check = (): void => {
        const streams = states();
        if (reply && streams.stdout !== 'undrained' && streams.stderr !== 'undrained') {
          finish({ kind: 'reply', outcome: reply, streams });
        }
      };
      for (const stream of STREAMS) {
        this.captures[stream].expect(marker, () => {
          marked[stream] = true;
          check();
        });
        cancels.push(this.captures[stream].whenEnded(check));
      }
      this.onMessage = (message) => {
        if (message.nonce !== nonce) return;
        if ('started' in message) started ||= message.started === id;
        else if ('id' in message && message.id === id && !reply) {
          reply = message.outcome;
          const outcome = reply;
          timers.push(
            setTimeout(() => {
              // Later output can no longer be told apart: the next entry point gets a fresh loader.
              this.attributable = false;
              finish({ kind: 'reply', outcome, streams: states() });
            }, DRAIN_GRACE_MS),
          );
          check();
        }
      };
      this.onExit = () => {
        if (reply) return check();
        finish(started ? { kind: 'ended', ...(this.exit ?? { code: null, signal: null }) } : { kind: 'lost' });
      };
      // Without the loader's receipt, it is stuck in something earlier (a plugin's timer): not this entry point.
      // Once it has replied, the entry point has loaded: only its output is awaited (DRAIN_GRACE_MS), whatever
      // the limit.
      timers.push(
        setTimeout(() => {
          if (!reply) finish(started ? { kind: 'timeout' } : { kind: 'lost' });
        }, timeoutMs),
      );
      const data: EntryPointData = {
        name: entryPoint.name,
        value: entryPoint.value,
        group: entryPoint.group,
        dist: entryPoint.dist,
      };
      if (!this.requests?.writable) return this.onExit?.();
      this.requests.write(frame({ id, nonce, entryPoint: data }), (error) => {
        if (error) this.onExit?.();
      });
    });
  }

  /**
   * Ends the loader's process group (and, on Linux, the processes that left
   * it), then waits, briefly, for its pipes to end. Safe to call repeatedly.
   */
  end(): Promise<void> {
    this.ending ??= (async () => {
      const killed = this.kill();
      await within(this.exited, DRAIN_GRACE_MS);
      // SIGKILL takes a moment to land: when the command returns, what the loader started is gone.
      await untilGone(killed, DRAIN_GRACE_MS);
      await within(
        Promise.all([
          new Promise<void>((resolve) => this.captures.stdout.whenEnded(resolve)),
          new Promise<void>((resolve) => this.captures.stderr.whenEnded(resolve)),
        ]),
        DRAIN_GRACE_MS,
      );
      // A process that escaped with our pipes must not keep the command alive.
      for (const stream of this.child.stdio ?? []) stream?.destroy();
      this.child.unref();
      live.delete(this);
    })();
    return this.ending;
  }

  /**
   * Kills the loader's whole group, and what carries its token, at once
   * (synchronous). Returns what was killed: the group (as a negative number)
   * and the pids of the processes that had left it.
   */
  kill(): number[] {
    this.killed = true;
    const pid = this.child.pid;
    if (pid === undefined) return [];
    const killed: number[] = [];
    try {
      if (POSIX) {
        process.kill(-pid, 'SIGKILL');
        killed.push(-pid);
      } else {
        this.child.kill('SIGKILL');
      }
    } catch {
      // ESRCH: the group is gone already.
    }
    return [...killed, ...killMarked(this.token)];
  }
}

/**
 * Waits until none of `targets` (pids, or negated process group ids) runs
 * any more, at most `ms` (each is looked at once, however small `ms`).
 * Returns those that still run.
 */
export async function untilGone(targets: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = targets.filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    left = left.filter(isRunning);
  }
  return left;
}

/**
 * Kills (SIGKILL) the processes whose environment holds the loader's token:
 * those that left its process group. Linux only (/proc); elsewhere they are
 * beyond reach.
 */
function killMarked(token: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${LOADER_TOKEN_VARIABLE}=${token}\u0000`);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(needle)) {
        process.kill(Number(entry), 'SIGKILL');
        killed.push(Number(entry));
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return killed;
}

/** Resolves with the promise's value, or with undefined once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
  ]).finally(() => clearTimeout(timer));
}
