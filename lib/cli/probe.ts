/**
 * Loading entry points for `show`, `doctor` and `docs`, safely: in a loader
 * process (loader.ts) with a time limit per entry point. A plugin that hangs
 * is killed with whatever it started (and a fresh loader takes the rest),
 * one that ends the process is reported, and whatever a plugin prints is
 * captured apart from our stdout, up to a limit per stream.
 */
import path from 'node:path';
import type { EntryPoint } from '../entry-point';
import type { CapturedText } from './capture';
import { OUTPUT_LIMIT_BYTES } from './capture';
import type { LoadOutcome, PluginDescription, SerializedError } from './inspect';
import type { LoadResult, Settled, Stream } from './loader';
import { DRAIN_GRACE_MS, Loader } from './loader';

export { endAllLoaders } from './loader';

/** Default time limit for loading one entry point, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** What a plugin printed while it was loaded. Part of the `--json` output (docs/cli.md). */
export interface LoadOutput {
  /** At most {@link OUTPUT_LIMIT_BYTES} bytes of each, as text. */
  stdout: string;
  stderr: string;
  /** Bytes printed beyond the limit and left out (0: nothing was left out). */
  omittedBytes: { stdout: number; stderr: number };
  /** What else to know about the output: left out, closed by the plugin, or possibly incomplete. */
  notes: string[];
}

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
  output: LoadOutput;
}

/**
 * Loads each entry point in a loader process started in `cwd`, allowing
 * each `timeoutMs`, and reports what each gave, in order. Every process the
 * loaders started is ended before this resolves.
 */
export async function probeEntryPoints(
  entryPoints: readonly EntryPoint[],
  { timeoutMs = DEFAULT_TIMEOUT_MS, cwd }: { timeoutMs?: number; cwd: string },
): Promise<LoadReport[]> {
  const reports: LoadReport[] = [];
  let loader: Loader | null = null;
  try {
    for (const entryPoint of entryPoints) {
      loader ??= new Loader(cwd);
      let result = await loader.load(entryPoint, timeoutMs);
      if (result.settled.kind === 'lost') {
        // The loader died or was stuck before it began: give the entry point a fresh one.
        await loader.end();
        loader = new Loader(cwd);
        result = await loader.load(entryPoint, timeoutMs);
      }
      if (!loader.reusable) {
        await loader.end();
        loader = null;
      }
      reports.push(toReport(entryPoint, result, timeoutMs));
    }
  } finally {
    await loader?.end();
  }
  return reports;
}

function toReport(entryPoint: EntryPoint, { settled, stdout, stderr }: LoadResult, timeoutMs: number): LoadReport {
  const output = loadOutput(settled, { stdout, stderr });
  if (settled.kind === 'reply') {
    const { outcome } = settled;
    if (outcome.loaded) {
      const hint = outcome.sync
        ? null
        : 'it is an ES module with top-level await: only managers built with the static create() method ' +
          '(or entryPoint.loadAsync()) can load it; the constructors cannot';
      return { status: 'loaded', sync: outcome.sync, plugin: outcome.plugin, error: null, hint, output };
    }
    return failed(entryPoint, outcome, output);
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
      output,
    };
  }
  const ended = settled.kind === 'ended' ? settled : { code: null, signal: null, error: undefined };
  const how = ended.error
    ? `could not run the loader process: ${ended.error.message}`
    : settled.kind === 'lost'
      ? 'two loader processes in a row ended, or stayed busy, before they could begin loading this entry point'
      : ended.signal
        ? `the loading process was killed by ${ended.signal}`
        : `the loading process exited with code ${ended.code} while loading`;
  return {
    status: 'crashed',
    sync: null,
    plugin: null,
    error: plainError('Exit', how),
    hint: ended.error
      ? loaderErrorHint(ended.error)
      : settled.kind === 'ended'
        ? 'the module ends the process when it is loaded (process.exit()?): a plugin must not'
        : null,
    output,
  };
}

/** What to do when the loader process cannot be started at all. */
function loaderErrorHint(error: Error): string | null {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open to start a process: raise the limit (ulimit -n) or close some';
    case 'EAGAIN':
    case 'ENOMEM':
      return 'the system refused to start another process (process or memory limits): try again, or raise them';
    default:
      return null;
  }
}

function failed(
  entryPoint: EntryPoint,
  outcome: Extract<LoadOutcome, { loaded: false }>,
  output: LoadOutput,
): LoadReport {
  return {
    status: 'failed',
    sync: null,
    plugin: null,
    error: outcome.error,
    hint: hintFor(entryPoint, outcome.error),
    output,
  };
}

/** The captured output, with notes on what is missing from it and why. */
function loadOutput(settled: Settled, captured: Record<Stream, CapturedText>): LoadOutput {
  const notes: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const { omittedBytes } = captured[stream];
    if (omittedBytes > 0) {
      notes.push(
        `${stream}: only the first ${formatBytes(OUTPUT_LIMIT_BYTES)} are kept; ` +
          `${omittedBytes} more bytes (${formatBytes(omittedBytes)}) were left out`,
      );
    }
    if (settled.kind !== 'reply') continue;
    if (settled.streams[stream] === 'closed') {
      notes.push(`${stream}: the plugin closed it while loading; what it printed after that is lost`);
    } else if (settled.streams[stream] === 'undrained') {
      notes.push(
        `${stream}: may be incomplete: its end did not arrive within ${DRAIN_GRACE_MS} ms ` +
          '(the plugin redirected it, or a process it started holds it)',
      );
    }
  }
  return {
    stdout: captured.stdout.text,
    stderr: captured.stderr.text,
    omittedBytes: { stdout: captured.stdout.omittedBytes, stderr: captured.stderr.omittedBytes },
    notes,
  };
}

/** `32 KiB`, `1.5 MiB` */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
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
