/**
 * Where stevedore-ts reports what it finds wrong: `debug` namespaces for the
 * details, and `process.emitWarning` (with a `STEVEDORE_*` code) for what
 * stevedore logs as a warning or an error. Each warning is emitted once per
 * process, however many managers meet the same problem.
 */
import type { Debugger } from 'debug';

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
function lazyDebug(namespace: string): (format: string, ...args: unknown[]) => void {
  let instance: Debugger | null = null;
  return (format, ...args) => {
    if (!instance) {
      const create = loadDebug();
      if (!create) return;
      instance = create(namespace);
    }
    instance(format, ...args);
  };
}

/** One `debug` namespace: a printf-style logger, silent unless enabled with DEBUG=stevedore:*. */
export type DebugLogger = (formatter: string, ...args: unknown[]) => void;

// Typed with our own type so that the published .d.ts does not import 'debug',
// whose types (@types/debug) only our development installs have.
export const debug: { registry: DebugLogger; cache: DebugLogger; manager: DebugLogger } = {
  registry: lazyDebug('stevedore:registry'),
  cache: lazyDebug('stevedore:cache'),
  manager: lazyDebug('stevedore:manager'),
};

/** The codes of the warnings stevedore-ts emits. */
export type WarningCode =
  | 'STEVEDORE_INVALID_DECLARATION'
  | 'STEVEDORE_UNREADABLE_PACKAGE'
  | 'STEVEDORE_LOAD_FAILED'
  | 'STEVEDORE_MISSING_ENTRY_POINTS'
  | 'STEVEDORE_CONFLICT'
  | 'STEVEDORE_MAP_ERROR'
  | 'STEVEDORE_DEPRECATED'
  | 'STEVEDORE_UNTRUSTED'
  | 'STEVEDORE_INCOMPATIBLE';

const emitted = new Set<string>();

/**
 * Emits a warning unless the same one was emitted before in this process.
 * Returns whether it was emitted.
 */
export function warnOnce(code: WarningCode, message: string, detail?: string): boolean {
  const key = `${code}\0${message}`;
  if (emitted.has(key)) return false;
  emitted.add(key);
  process.emitWarning(message, { type: 'StevedoreWarning', code, detail });
  return true;
}

/** Forgets the warnings already emitted (for tests that count warnings). */
export function resetWarnings(): void {
  emitted.clear();
}
