/**
 * Where stevedore-ts reports what it finds wrong: `debug` namespaces for the
 * details, and `process.emitWarning` (with a `STEVEDORE_*` code) for what
 * stevedore logs as a warning or an error. A problem with an entry point, a
 * file or a namespace is warned about once per process (keyed by its code and
 * what it is about, in a bounded record); errors inside `map()` every time.
 */
import type { Debugger } from 'debug';
import type { EntryPoint } from './entry-point';
import { describeError, errorMessage } from './describe-error';
import { IncompatiblePlugin } from './exception';

type CreateDebug = (namespace: string) => Debugger;

let createDebug: CreateDebug | null = null;

/**
 * The `debug` package, once it can print anything: when `DEBUG` is set (in
 * the environment, or by `debug.enable()` of any copy of `debug`, which sets
 * it). Until then logging is a no-op, and importing stevedore-ts does not pay
 * for loading `debug`.
 */
function loadDebug(): CreateDebug | null {
  if (!createDebug && process.env.DEBUG) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    createDebug = require('debug') as CreateDebug;
  }
  return createDebug;
}

/** A `debug` logger for `namespace` that loads the `debug` package only when it can print. */
function lazyDebug(namespace: string): DebugLogger {
  let instance: Debugger | null = null;
  const current = (): Debugger | null => {
    if (!instance) {
      const create = loadDebug();
      if (create) instance = create(namespace);
    }
    return instance;
  };
  const log = (format: string, ...args: unknown[]): void => {
    current()?.(format, ...args);
  };
  return Object.defineProperty(log, 'enabled', { get: () => current()?.enabled ?? false }) as DebugLogger;
}

/** One `debug` namespace: a printf-style logger, silent unless enabled with DEBUG=stevedore:*. */
export interface DebugLogger {
  (formatter: string, ...args: unknown[]): void;
  /** Whether it prints: arguments that cost something to make are made only then. */
  readonly enabled: boolean;
}

// Typed with our own type so that the published .d.ts does not import 'debug',
// whose types (@types/debug) only our development installs have.
export const debug: { registry: DebugLogger; cache: DebugLogger; manager: DebugLogger } = {
  registry: lazyDebug('stevedore:registry'),
  cache: lazyDebug('stevedore:cache'),
  manager: lazyDebug('stevedore:manager'),
};

/**
 * Logs `${what} ${about}: ` and `error`'s stack (its message when it has none) to `logger`. The stack, most of what
 * an error costs, is formatted only when the logger prints.
 */
export function debugError(logger: DebugLogger, what: string, about: unknown, error: unknown): void {
  if (!logger.enabled) return;
  const { message, stack } = describeError(error);
  logger(`${what} %s: %s`, about, stack ?? message);
}

/** The codes of the warnings stevedore-ts emits. */
export type WarningCode =
  /** A declaration skipped during discovery (bad value, not a string, ...), naming its package.json. */
  | 'STEVEDORE_INVALID_DECLARATION'
  /** A package.json that mentions `entryPoints` but cannot be read or parsed. */
  | 'STEVEDORE_UNREADABLE_PACKAGE'
  /** A plugin that failed to load or to be invoked, with no `onLoadFailureCallback`. */
  | 'STEVEDORE_LOAD_FAILED'
  /** Names a NamedExtensionManager was asked for that no entry point declares. */
  | 'STEVEDORE_MISSING_ENTRY_POINTS'
  /** Several extensions of one name, resolved by the default conflict resolver, `ignoreConflicts`. */
  | 'STEVEDORE_CONFLICT'
  /** An error inside `map()` (reported every time). */
  | 'STEVEDORE_MAP_ERROR'
  /** An entry point a trust policy refused. */
  | 'STEVEDORE_UNTRUSTED'
  /** A `registry.hooks` handler that threw. */
  | 'STEVEDORE_HOOK_FAILED'
  /** A callback (`onLoadFailureCallback`, `onMissingEntrypointsCallback`, `onRefused`) that threw. */
  | 'STEVEDORE_CALLBACK_FAILED'
  /** A plugin refused by `checkPeers`: its package's peer dependencies are not met. */
  | 'STEVEDORE_INCOMPATIBLE';

/**
 * How many reports the once-per-process record keeps. Past it the oldest are
 * forgotten (and would be reported again): a long-running service that meets
 * ever new problems must not keep every one of them forever.
 */
export const REPORTED_LIMIT = 10_000;

// Insertion-ordered: the first key is the oldest. The value is who reported it
// (a registry), so that `registry.refresh()` forgets its own reports only.
const reported = new Map<string, object | null>();

/** Emits one StevedoreWarning, on one line. */
export function warn(code: WarningCode, message: string): void {
  process.emitWarning(message, { type: 'StevedoreWarning', code });
}

/**
 * Emits a warning the first time `(code, subject)` is reported in this
 * process, whatever the message says (a plugin's error text may change from
 * one attempt to the next). `subject` names what the problem is about: an
 * entry point, a file, a namespace. Returns whether it was emitted.
 *
 * @param owner Who reported it (a registry); {@link forgetReports} forgets an owner's reports.
 */
export function reportOnce(code: WarningCode, subject: string, message: string, owner: object | null = null): boolean {
  const key = `${code}\0${subject}`;
  if (reported.has(key)) return false;
  if (reported.size >= REPORTED_LIMIT) reported.delete(reported.keys().next().value!);
  reported.set(key, owner);
  warn(code, message);
  return true;
}

/** Forgets what `owner` reported, so that it is reported again (after `registry.refresh()`). */
export function forgetReports(owner: object): void {
  for (const [key, by] of reported) if (by === owner) reported.delete(key);
}

/** How many reports the once-per-process record holds now. */
export function reportedCount(): number {
  return reported.size;
}

/** Forgets every report (as a new process would start; for tests that count warnings). */
export function resetWarnings(): void {
  reported.clear();
}

/** What identifies an entry point in the record of reports: where it comes from and what it declares. */
export function entryPointSubject(entryPoint: EntryPoint): string {
  return JSON.stringify([
    entryPoint.origin,
    entryPoint.group,
    entryPoint.name,
    entryPoint.value,
    entryPoint.dist?.root,
  ]);
}

/** An entry point in a report: `'name' (group: value) from package (its package.json)`. */
export function describeEntryPoint(entryPoint: EntryPoint): string {
  const { dist } = entryPoint;
  const from = !dist
    ? ''
    : entryPoint.origin === 'discovered'
      ? ` from ${dist.name} (${dist.root}/package.json)`
      : ` from ${dist.name} (${entryPoint.origin})`;
  return `'${entryPoint.name}' (${entryPoint.group}: ${entryPoint.value})${from}`;
}

/**
 * The first line of what a plugin threw: a warning is one line, and Node's
 * MODULE_NOT_FOUND message goes on with a "Require stack" that only names our
 * own files. The whole error goes to the callback, the stack to `DEBUG=stevedore:*`.
 */
export function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}

/**
 * Why an entry point failed, for a report that names the entry point already
 * ({@link describeEntryPoint}): the first line of the error, without the
 * description of the same entry point that stevedore-ts's own errors start
 * with (they stand alone when `entryPoint.load()` throws them to its caller).
 */
export function failureReason(entryPoint: EntryPoint, error: unknown): string {
  if (error instanceof IncompatiblePlugin) {
    return `its package ${error.mismatches.map((mismatch) => mismatch.reason).join('; it also ')}`;
  }
  const message = firstLine(errorMessage(error));
  const own = `entry point '${entryPoint.name}' (${entryPoint.value})`;
  if (!message.startsWith(own)) return message;
  const rest = message.slice(own.length);
  // "...: module './x.js' has no attribute 'Y'" or "... is an ES module with top-level await, ..."
  return rest.startsWith(': ') ? rest.slice(2) : `it${rest}`;
}
