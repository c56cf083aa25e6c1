/**
 * The fields discovery needs from a package.json — `entryPoints`, `name` and
 * `version` — read from its bytes, with the rest of the file checked to be
 * JSON but never built. `JSON.parse` of a whole manifest spends most of its
 * time making objects and strings (the scripts, dependencies, keywords …
 * that discovery throws away); here the only strings made are the names and
 * values discovery keeps, and a value that is not a string is only told
 * apart by its kind.
 *
 * One pass, left to right, no recursion: nesting is a stack of one byte per
 * level, so the cost is linear in the bytes whatever they hold.
 */
import type { DuplicateDeclaration, KeyCopy } from './duplicate-keys';
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  DOT,
  MINUS,
  OPEN_ARRAY,
  OPEN_OBJECT,
  PLUS,
  QUOTE,
  isSpace,
} from './json-syntax';
import { RepeatedKeys } from './duplicate-keys';

/** What {@link manifestFields} found in a manifest that holds a JSON object. */
export interface ManifestFields {
  /** The bytes `[start, end)` of the value of the last top-level `entryPoints` key (the one JSON.parse keeps). */
  entryPoints: [start: number, end: number] | null;
  /** How many top-level `entryPoints` keys there are. */
  entryPointsKeys: number;
  /** The last top-level `name`, or null when it is missing or not a string. */
  name: string | null;
  /** The last top-level `version`, or null when it is missing or not a string. */
  version: string | null;
}

/**
 * A value as discovery needs it: a string, number, boolean or null as it is;
 * an array or an object as an empty one (what it is, not what it holds).
 */
export type Shallow = string | number | boolean | null | readonly unknown[] | Readonly<Record<string, unknown>>;

/** One group of an `entryPoints` object, in the order JSON.parse gives its keys. */
export interface GroupRead {
  group: string;
  /** Its names and values, in JSON.parse's key order; null when the group is not an object. */
  entries: [name: string, value: Shallow][] | null;
  /** The group's value when it is not an object. */
  other: Shallow;
}

/** An `entryPoints` value read as JSON.parse would read it, and its repeated keys. */
export interface EntryPointsRead {
  /** Its groups; empty when the value is not an object. */
  groups: GroupRead[];
  /** The value when it is not an object (undefined when it is one). */
  other?: Shallow;
  repeated: readonly DuplicateDeclaration[];
}

const EMPTY_ARRAY: readonly unknown[] = Object.freeze([]);
const EMPTY_OBJECT: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The `entryPoints` value at `[start, end)` (found by {@link manifestFields},
 * so valid JSON) read as JSON.parse would read it: the last copy of a
 * repeated key wins, in the place of the first, and keys that are array
 * indices come first, in numeric order. Only strings are made.
 *
 * @param copies How many top-level `entryPoints` keys the manifest has: more
 *   than one is itself a repeated key.
 */
export function readEntryPoints(bytes: Buffer, start: number, end: number, copies: number): EntryPointsRead {
  // The repeated keys are noted lazily: most fields repeat nothing, and cost no record then.
  const repeats = new Repeats(copies);
  if (bytes[start] !== OPEN_OBJECT) {
    const other = shallow(bytes, start, end);
    resetStack();
    return { groups: [], other, repeated: repeats.problems() };
  }
  const groups: GroupRead[] = [];
  const groupCopies: (KeyCopy | undefined)[] = [];
  const position = new Map<string, number>();
  let indices = false;
  let at = space(bytes, start + 1, end);
  while (at < end && bytes[at] !== CLOSE_OBJECT) {
    const group = keyAt(bytes, at, end);
    at = space(bytes, space(bytes, readEnd, end) + 1, end);
    let index = position.get(group);
    if (index === undefined) {
      index = groups.length;
      position.set(group, index);
      groups.push({ group, entries: null, other: EMPTY_OBJECT });
      groupCopies.push(undefined);
      indices ||= isArrayIndex(group);
    } else {
      // JSON.parse keeps the last copy, in the place of the first.
      groupCopies[index] = repeats.repeatedGroup(group, groupCopies[index]);
      groups[index] = { group, entries: null, other: EMPTY_OBJECT };
    }
    const read = groups[index];
    if (bytes[at] === OPEN_OBJECT) {
      const which = index;
      read.entries = entriesAt(bytes, at, end, (name) => {
        groupCopies[which] ??= repeats.group();
        repeats.name(groupCopies[which], group, name);
      });
    } else read.other = shallow(bytes, at, end);
    at = space(bytes, readEnd, end);
    if (bytes[at] === COMMA) at = space(bytes, at + 1, end);
  }
  resetStack();
  return { groups: indices ? inKeyOrder(groups, (read) => read.group) : groups, repeated: repeats.problems() };
}

/** The repeated keys of one field read, recorded only once there is one. */
class Repeats {
  private keys: RepeatedKeys | null = null;
  private field: KeyCopy | null = null;

  /** @param copies How many top-level `entryPoints` keys the manifest has. */
  constructor(private readonly copies: number) {
    if (copies > 1) this.start();
  }

  /** The copy of a group whose first repeated name was just met. */
  group(): KeyCopy {
    return this.start().group(this.field!);
  }

  /** A group key met again: the copy of the group that follows (`earlier` is dropped). */
  repeatedGroup(group: string, earlier: KeyCopy | undefined): KeyCopy {
    return this.start().repeatedGroup(this.field!, group, earlier);
  }

  name(copy: KeyCopy, group: string, name: string): void {
    this.start().repeatedName(copy, group, name);
  }

  problems(): readonly DuplicateDeclaration[] {
    return this.keys ? this.keys.problems() : NO_PROBLEMS;
  }

  private start(): RepeatedKeys {
    if (!this.keys) {
      this.keys = new RepeatedKeys();
      for (let i = 1; i < this.copies; i++) this.keys.field();
      this.field = this.keys.field();
    }
    return this.keys;
  }
}

const NO_PROBLEMS: readonly DuplicateDeclaration[] = Object.freeze([]);

/**
 * The same for a value JSON.parse made (of a manifest read whole), with the
 * repeated keys found in its text.
 */
export function entryPointsOf(field: unknown, repeated: readonly DuplicateDeclaration[]): EntryPointsRead {
  if (!isObject(field)) return { groups: [], other: field as Shallow, repeated };
  const groups = Object.keys(field).map((group): GroupRead => {
    const value = field[group];
    if (!isObject(value)) return { group, entries: null, other: value as Shallow };
    return { group, entries: Object.keys(value).map((name) => [name, value[name] as Shallow]), other: EMPTY_OBJECT };
  });
  return { groups, repeated };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The names and values of the group object that opens at `at`, in
 * JSON.parse's key order; `repeat(name)` is told each name met again. Sets
 * `readEnd` past the object.
 */
function entriesAt(bytes: Buffer, at: number, end: number, repeat: (name: string) => void): [string, Shallow][] {
  const entries: [string, Shallow][] = [];
  const position = new Map<string, number>();
  let indices = false;
  let i = space(bytes, at + 1, end);
  while (i < end && bytes[i] !== CLOSE_OBJECT) {
    const name = keyAt(bytes, i, end);
    i = space(bytes, space(bytes, readEnd, end) + 1, end);
    const value = shallow(bytes, i, end);
    const known = position.get(name);
    if (known === undefined) {
      position.set(name, entries.length);
      entries.push([name, value]);
      indices ||= isArrayIndex(name);
    } else {
      entries[known][1] = value;
      repeat(name);
    }
    i = space(bytes, readEnd, end);
    if (bytes[i] === COMMA) i = space(bytes, i + 1, end);
  }
  readEnd = i + 1;
  return indices ? inKeyOrder(entries, ([name]) => name) : entries;
}

/** Where the last value {@link keyAt} or {@link shallow} read ends. */
let readEnd = 0;

/** The key (a string token) at `at`, decoded; sets `readEnd` past it. */
function keyAt(bytes: Buffer, at: number, end: number): string {
  readEnd = string(bytes, at, end);
  return escaped
    ? (JSON.parse(bytes.toString('utf8', at, readEnd)) as string)
    : bytes.toString('utf8', at + 1, readEnd - 1);
}

/** The value at `at`, shallow (see {@link Shallow}); sets `readEnd` past it. */
function shallow(bytes: Buffer, at: number, end: number): Shallow {
  const char = bytes[at];
  if (char === QUOTE) return keyAt(bytes, at, end);
  readEnd = value(bytes, at, end);
  if (char === OPEN_OBJECT) return EMPTY_OBJECT;
  if (char === OPEN_ARRAY) return EMPTY_ARRAY;
  return JSON.parse(bytes.toString('latin1', at, readEnd)) as number | boolean | null;
}

/** Items (in the order their keys were first met) in the order JSON.parse gives an object's keys: array indices first, in numeric order. */
function inKeyOrder<T>(items: T[], keyOf: (item: T) => string): T[] {
  const indices = items.filter((item) => isArrayIndex(keyOf(item))).sort((a, b) => Number(keyOf(a)) - Number(keyOf(b)));
  return [...indices, ...items.filter((item) => !isArrayIndex(keyOf(item)))];
}

/** A key an object keeps among its array indices: a canonical integer below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (!(first >= 0x30 && first <= 0x39) || key.length > 10) return false;
  return (key === '0' || /^[1-9]\d*$/.test(key)) && Number(key) < 4294967295;
}

const ENTRY_POINTS = Buffer.from('entryPoints');
const NAME = Buffer.from('name');
const VERSION = Buffer.from('version');

/**
 * The top-level `entryPoints`, `name` and `version` of a manifest, exactly as
 * `JSON.parse` would give them; null when the bytes are not a JSON object (not
 * JSON at all, or JSON of another kind): `JSON.parse` then says which.
 *
 * @param bytes UTF-8 text (checked by the caller), without a byte order mark.
 */
export function manifestFields(bytes: Buffer): ManifestFields | null {
  const found = readFields(bytes);
  resetStack();
  return found;
}

function readFields(bytes: Buffer): ManifestFields | null {
  const end = bytes.length;
  let at = space(bytes, 0, end);
  if (bytes[at] !== OPEN_OBJECT) return null;
  const found: ManifestFields = { entryPoints: null, entryPointsKeys: 0, name: null, version: null };
  at = space(bytes, at + 1, end);
  if (bytes[at] === CLOSE_OBJECT) at += 1;
  else {
    for (;;) {
      const key = at;
      at = string(bytes, at, end);
      if (at < 0) return null;
      const keyEnd = at;
      const keyEscaped = escaped;
      at = space(bytes, at, end);
      if (bytes[at] !== COLON) return null;
      const start = space(bytes, at + 1, end);
      at = value(bytes, start, end);
      if (at < 0) return null;
      const field = fieldOf(bytes, key, keyEnd, keyEscaped);
      if (field === ENTRY_POINTS) {
        found.entryPoints = [start, at];
        found.entryPointsKeys += 1;
      } else if (field === NAME) found.name = stringAt(bytes, start, at);
      else if (field === VERSION) found.version = stringAt(bytes, start, at);
      at = space(bytes, at, end);
      if (bytes[at] === CLOSE_OBJECT) {
        at += 1;
        break;
      }
      if (bytes[at] !== COMMA) return null;
      at = space(bytes, at + 1, end);
    }
  }
  return space(bytes, at, end) === end ? found : null;
}

/** Which of the three fields the key `[start, end)` (a string token) is, or null. */
function fieldOf(bytes: Buffer, start: number, end: number, keyEscaped: boolean): Buffer | null {
  const length = end - start - 2;
  if (keyEscaped) {
    // Rare: a key written with escapes is decoded the way JSON.parse decodes it.
    const key = JSON.parse(bytes.toString('utf8', start, end)) as string;
    return key === 'entryPoints' ? ENTRY_POINTS : key === 'name' ? NAME : key === 'version' ? VERSION : null;
  }
  const field =
    length === ENTRY_POINTS.length
      ? ENTRY_POINTS
      : length === NAME.length
        ? NAME
        : length === VERSION.length
          ? VERSION
          : null;
  if (field === null) return null;
  for (let i = 0; i < length; i++) if (bytes[start + 1 + i] !== field[i]) return null;
  return field;
}

/** The string whose token is `[start, end)`, or null when the value there is not a string. */
function stringAt(bytes: Buffer, start: number, end: number): string | null {
  if (bytes[start] !== QUOTE) return null;
  return escaped
    ? (JSON.parse(bytes.toString('utf8', start, end)) as string)
    : bytes.toString('utf8', start + 1, end - 1);
}

/** Whether the last string {@link string} read held an escape. */
let escaped = false;

/** The index past the JSON string that opens at `at`, or -1 when there is none there. */
function string(bytes: Buffer, at: number, end: number): number {
  if (bytes[at] !== QUOTE) return -1;
  escaped = false;
  for (let i = at + 1; i < end; i++) {
    const char = bytes[i];
    // Most bytes of a string (lower-case letters, and every byte of a multi-byte character) need no look.
    if (char > BACKSLASH) continue;
    if (char === QUOTE) return i + 1;
    if (char === BACKSLASH) {
      escaped = true;
      const next = bytes[i + 1];
      if (next === 0x75) {
        // \uXXXX
        if (!(hex(bytes[i + 2]) && hex(bytes[i + 3]) && hex(bytes[i + 4]) && hex(bytes[i + 5]))) return -1;
        i += 5;
      } else if (
        next === QUOTE ||
        next === BACKSLASH ||
        next === 0x2f || // /
        next === 0x62 || // b
        next === 0x66 || // f
        next === 0x6e || // n
        next === 0x72 || // r
        next === 0x74 // t
      ) {
        i += 1;
      } else return -1;
    } else if (char < 0x20) return -1;
  }
  return -1;
}

function hex(char: number): boolean {
  return (char >= 0x30 && char <= 0x39) || (char >= 0x41 && char <= 0x46) || (char >= 0x61 && char <= 0x66);
}

function digit(char: number): boolean {
  return char >= 0x30 && char <= 0x39;
}

/** The index past the JSON number that starts at `at`, or -1. */
function number(bytes: Buffer, at: number): number {
  let i = at;
  if (bytes[i] === MINUS) i += 1;
  if (bytes[i] === 0x30) i += 1;
  else if (bytes[i] >= 0x31 && bytes[i] <= 0x39) i = digits(bytes, i);
  else return -1;
  if (bytes[i] === DOT) {
    if (!digit(bytes[i + 1])) return -1;
    i = digits(bytes, i + 1);
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45) {
    i += 1;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i += 1;
    if (!digit(bytes[i])) return -1;
    i = digits(bytes, i);
  }
  return i;
}

/** The index past the digits that start at `at`. */
function digits(bytes: Buffer, at: number): number {
  let i = at;
  while (digit(bytes[i])) i += 1;
  return i;
}

/** The index past the `true`, `false` or `null` at `at`, or -1. */
function literal(bytes: Buffer, at: number): number {
  const char = bytes[at];
  if (char === 0x74) return bytes[at + 1] === 0x72 && bytes[at + 2] === 0x75 && bytes[at + 3] === 0x65 ? at + 4 : -1;
  if (char === 0x66) {
    const alse = bytes[at + 1] === 0x61 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x73 && bytes[at + 4] === 0x65;
    return alse ? at + 5 : -1;
  }
  if (char === 0x6e) return bytes[at + 1] === 0x75 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x6c ? at + 4 : -1;
  return -1;
}

/** From a key (at `at`): past it, the `:` and the white space after; the index of its value, or -1. */
function member(bytes: Buffer, at: number, end: number): number {
  const after = string(bytes, at, end);
  if (after < 0) return -1;
  const colon = space(bytes, after, end);
  return bytes[colon] === COLON ? space(bytes, colon + 1, end) : -1;
}

/**
 * The containers {@link value} has open, one byte each (`{` or `[`); one
 * stack per module, as nothing here calls itself.
 */
let open = new Uint8Array(256);
let depth = 0;

/** Empties the stack, and frees what a deep value grew it to. */
function resetStack(): void {
  depth = 0;
  if (open.length > 256) open = new Uint8Array(256);
}

/**
 * The index past the JSON value that starts at `at`, or -1 when there is
 * none. Objects and arrays are walked with a stack of the open ones.
 */
function value(bytes: Buffer, at: number, end: number): number {
  // Empty here: a walk that ends well closes all it opens, and what a bad one leaves is reset.
  let i = at;
  for (;;) {
    // A value starts at i.
    const char = bytes[i];
    if (char === QUOTE) i = string(bytes, i, end);
    else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      i = space(bytes, i + 1, end);
      if (bytes[i] === (char === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) i += 1;
      else {
        if (depth === open.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(open);
          open = grown;
        }
        open[depth++] = char;
        if (char === OPEN_OBJECT) i = member(bytes, i, end);
        if (i < 0) return -1;
        continue;
      }
    } else if (char === MINUS || digit(char)) i = number(bytes, i);
    else i = literal(bytes, i);
    if (i < 0) return -1;
    // A value ended at i: close what it ends, or go on to the next one.
    for (;;) {
      if (depth === 0) return i;
      i = space(bytes, i, end);
      const container = open[depth - 1];
      if (bytes[i] === COMMA) {
        i = space(bytes, i + 1, end);
        if (container === OPEN_OBJECT) i = member(bytes, i, end);
        if (i < 0) return -1;
        break;
      }
      if (bytes[i] !== (container === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) return -1;
      depth -= 1;
      i += 1;
    }
  }
}

/** The index of the first byte at or after `at` that is not JSON white space. */
function space(bytes: Buffer, at: number, end: number): number {
  let i = at;
  while (i < end && isSpace(bytes[i])) i += 1;
  return i;
}
