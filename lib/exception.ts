/**
 * The errors stevedore-ts throws. The hierarchy is stevedore's:
 * `NoMatches` and `MultipleMatches` are both `NoUniqueMatch`, so code that
 * only cares that "there was not exactly one" can catch the base class.
 * Each error carries a stable `code` for programs that match on it.
 */
import { preview } from './quote';

/** There was more than one extension, or none, that matched the query. */
export class NoUniqueMatch extends Error {
  /** What programs match on: `STEVEDORE_NO_UNIQUE_MATCH`, or a subclass's own code. */
  code = 'STEVEDORE_NO_UNIQUE_MATCH';
  /**
   * @param message What was looked for and what was found.
   * @param options `cause`: the error behind this one, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
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
  /** Always `STEVEDORE_KEY_ERROR`. */
  code = 'STEVEDORE_KEY_ERROR';
  /** The name that was asked for. */
  readonly key: string;
  /** @param key The name that was asked for; the message is its JSON form, as Python prints `KeyError('x')`. */
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
  /** Always `STEVEDORE_INVALID_ENTRY_POINT`. */
  code = 'STEVEDORE_INVALID_ENTRY_POINT';
  /** The value that was refused, as given (not always a string). */
  readonly value: unknown;
  /**
   * @param value The refused value.
   * @param reason Why, as a sentence fragment.
   */
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
  /** Why: `STEVEDORE_ATTRIBUTE_NOT_FOUND`, `STEVEDORE_ASYNC_MODULE`, `STEVEDORE_LOAD_TIMEOUT`, ... */
  code: string;
  /**
   * @param message What could not be loaded, and why.
   * @param code See {@link LoadError.code}.
   * @param options `cause`: the error Node threw, when there is one.
   */
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoadError';
    this.code = code;
  }
}

/** One peer dependency of a plugin's package that what is installed does not meet. */
export interface PeerMismatch {
  /** The peer package's name. */
  readonly peer: string;
  /** The range the plugin's package asks for, as written ('' when the declaration itself is unreadable). */
  readonly range: string;
  /** The version installed, or null when none is (or it cannot be read). */
  readonly found: string | null;
  /** The peer's folder, or null when it is not installed. */
  readonly at: string | null;
  /** What is wrong, as a sentence fragment ("needs host@^2, but host 3.0.0 is installed (...)"). */
  readonly reason: string;
}

/**
 * A plugin whose package was built for other versions of its peers (its host,
 * usually): a `peerDependencies` range that the installed version does not
 * satisfy. Raised instead of loading the plugin when `checkPeers` is on.
 * `peer`, `range` and `found` describe the first mismatch; `mismatches` lists them all.
 */
export class IncompatiblePlugin extends LoadError {
  /** The name of the plugin's package. */
  readonly plugin: string;
  /** The package.json that declares the peer dependencies. */
  readonly file: string;
  /** The first unmet peer's name. */
  readonly peer: string;
  /** The range the plugin's package asks for the first unmet peer. */
  readonly range: string;
  /** The first unmet peer's installed version, or null when none is installed. */
  readonly found: string | null;
  /** Every unmet peer. */
  readonly mismatches: readonly PeerMismatch[];

  /**
   * @param plugin The name of the plugin's package.
   * @param file Its package.json.
   * @param mismatches What does not match (at least one).
   */
  constructor(plugin: string, file: string, mismatches: readonly PeerMismatch[]) {
    const reasons = mismatches.map((mismatch) => mismatch.reason).join('; it also ');
    super(`plugin package ${JSON.stringify(plugin)} (${file}) ${reasons}`, 'STEVEDORE_INCOMPATIBLE');
    this.name = 'IncompatiblePlugin';
    this.plugin = plugin;
    this.file = file;
    this.peer = mismatches[0].peer;
    this.range = mismatches[0].range;
    this.found = mismatches[0].found;
    this.mismatches = Object.freeze([...mismatches]);
  }
}
