/**
 * Where stevedore-ts reports what it finds wrong: `debug` namespaces for the
 * details, and `process.emitWarning` (with a `STEVEDORE_*` code) for what
 * stevedore logs as a warning or an error. Each warning is emitted once per
 * process, however many managers meet the same problem.
 */
import createDebug from 'debug';

/** One `debug` namespace: a printf-style logger, silent unless enabled with DEBUG=stevedore:*. */
export interface DebugLogger {
  (formatter: string, ...args: unknown[]): void;
  readonly enabled: boolean;
}

// Typed with our own interface so that the published .d.ts does not import
// 'debug', whose types (@types/debug) only our development installs have.
export const debug: { registry: DebugLogger; cache: DebugLogger; manager: DebugLogger } = {
  registry: createDebug('stevedore:registry'),
  cache: createDebug('stevedore:cache'),
  manager: createDebug('stevedore:manager'),
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
  | 'STEVEDORE_UNTRUSTED';

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
