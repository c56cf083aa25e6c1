/**
 * The errors stevedore-ts throws. The hierarchy is stevedore's:
 * `NoMatches` and `MultipleMatches` are both `NoUniqueMatch`, so code that
 * only cares that "there was not exactly one" can catch the base class.
 * Each error carries a stable `code` for programs that match on it.
 */
import { preview } from './quote';

/** There was more than one extension, or none, that matched the query. */
export class NoUniqueMatch extends Error {
  code = 'STEVEDORE_NO_UNIQUE_MATCH';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** There were no extensions with the driver name found. */
export class NoMatches extends NoUniqueMatch {
  override code = 'STEVEDORE_NO_MATCHES';
}

/** There were multiple matches for the given name. */
export class MultipleMatches extends NoUniqueMatch {
  override code = 'STEVEDORE_MULTIPLE_MATCHES';
}

/**
 * A name that is not in a manager (Python's `KeyError`, which `em[name]`
 * raises there). `key` holds the name that was asked for.
 */
export class KeyError extends Error {
  code = 'STEVEDORE_KEY_ERROR';
  readonly key: string;
  constructor(key: string) {
    super(JSON.stringify(key));
    this.name = 'KeyError';
    this.key = key;
  }
}

/**
 * An entry point value that does not follow the grammar
 * `MODULE[:ATTR[.ATTR...]][ [EXTRA, ...]]`, or whose module may not be
 * loaded (a path outside its package, a URL, ...).
 */
export class InvalidEntryPoint extends Error {
  code = 'STEVEDORE_INVALID_ENTRY_POINT';
  readonly value: unknown;
  constructor(value: unknown, reason: string) {
    // Quoted in part at most: a value from a package.json can be huge or nested without end.
    const shown = preview(value);
    super(`invalid entry point value${shown === null ? '' : ` ${shown}`}: ${reason}`);
    this.name = 'InvalidEntryPoint';
    this.value = value;
  }
}

/** A plugin could not be loaded synchronously, or did not settle in time. */
export class LoadError extends Error {
  code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LoadError';
    this.code = code;
  }
}
