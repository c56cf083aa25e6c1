/**
 * Finds keys that appear twice in the `entryPoints` field of a package.json.
 * `JSON.parse` (like Node and npm) keeps the last of two equal keys and
 * drops the first without a word; for an entry point that means a plugin
 * that silently disappears, so discovery reports it.
 *
 * The text is walked once, left to right, without recursion: what is kept is
 * the group being read, the keys seen at the two levels that are reported
 * (groups, and names in a group) and a depth counter for anything deeper, so
 * the cost is linear in the text whatever it holds or however deep it nests.
 */
import { quote } from './quote';

/** A repeated key that loses a declaration: why, and the group and name it is about. */
export interface DuplicateDeclaration {
  reason: string;
  group: string | null;
  name: string | null;
}

const FIELD = '"entryPoints"';
const QUOTE = 0x22;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const NONE: readonly DuplicateDeclaration[] = Object.freeze([]);

/**
 * Why each repeated key of the top-level `entryPoints` field loses a
 * declaration, in the order they appear. Only the copy that `JSON.parse`
 * keeps is looked into: a repeated name inside a group (or a field) that is
 * dropped as a whole is part of that one problem.
 *
 * @param text The text of a JSON object that has an `entryPoints` field:
 *   parse it first, and call this only when the parsed object has one.
 * @param parsedKeys How many keys the parsed field has: its groups, plus the
 *   names in each group that is an object (see {@link declarationKeys}). When
 *   the text holds no more key tokens there, no key repeats: that is counted
 *   without building a string, and nothing else is done.
 */
export function duplicateDeclarationProblems(text: string, parsedKeys?: number): readonly DuplicateDeclaration[] {
  const at = fieldPosition(text);
  if (at !== -1 && parsedKeys !== undefined && keyTokens(text, at + FIELD.length) === parsedKeys) return NONE;
  const walk = new Walk(text);
  if (at === -1) walk.topLevel();
  else {
    walk.at = at + FIELD.length;
    walk.fieldValue();
  }
  return walk.problems();
}

const REPEATED_FIELD: DuplicateDeclaration = Object.freeze({
  reason: '"entryPoints" appears more than once: only the last one is used',
  group: null,
  name: null,
});

/**
 * The same problems, when the field's value is known: its text (that of the
 * copy JSON.parse keeps) and how many `entryPoints` keys the manifest has.
 *
 * @param value The text of the field's value.
 * @param copies How many top-level `entryPoints` keys the manifest has.
 * @param parsedKeys As for {@link duplicateDeclarationProblems}.
 */
export function fieldDuplicateProblems(
  value: string,
  copies: number,
  parsedKeys: number,
): readonly DuplicateDeclaration[] {
  const repeated = copies > 1 ? [{ ...REPEATED_FIELD }] : [];
  if (objectKeyTokens(value, 0) === parsedKeys) return repeated.length === 0 ? NONE : repeated;
  const walk = new Walk(value);
  walk.fieldObject();
  return [...repeated, ...walk.problems()];
}

/**
 * Where the top-level `"entryPoints"` key is, when that is sure without
 * walking the text; -1 otherwise. The field exists (the caller parsed the
 * text), and without a `\u` escape in the text its key is written as is: so
 * when that spelling occurs exactly once, it is the key.
 */
function fieldPosition(text: string): number {
  if (text.includes('\\u')) return -1;
  const at = text.indexOf(FIELD);
  return text.indexOf(FIELD, at + FIELD.length) === -1 ? at : -1;
}

/** The count {@link duplicateDeclarationProblems} compares with: groups, plus names of the groups that are objects. */
export function declarationKeys(field: Record<string, unknown>): number {
  let keys = 0;
  for (const group of Object.keys(field)) {
    keys += 1;
    const entries = field[group];
    if (typeof entries === 'object' && entries !== null && !Array.isArray(entries)) keys += Object.keys(entries).length;
  }
  return keys;
}

/**
 * The key tokens of the field whose key ends at `from`: those of its object
 * (groups) and of the objects directly in it (names); 0 when its value is not
 * an object. Every key is counted, repeated or not.
 */
function keyTokens(text: string, from: number): number {
  let at = from;
  while (text.charCodeAt(at) !== COLON && at < text.length) at++;
  return objectKeyTokens(text, skipSpace(text, at + 1));
}

/** The key tokens of the field value that starts at `at`: see {@link keyTokens}. */
function objectKeyTokens(text: string, at: number): number {
  if (text.charCodeAt(at) !== OPEN_OBJECT) return 0;
  let count = 0;
  let depth = 1;
  // Whether the container at depth 2 (a group's value) is an object, and whether a key comes next.
  let names = false;
  let expectKey = true;
  for (let i = at + 1; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) {
      if (expectKey && (depth === 1 || (depth === 2 && names))) count += 1;
      expectKey = false;
      i = endOfString(text, i) - 1;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      depth += 1;
      if (depth === 2) names = char === OPEN_OBJECT;
      expectKey = char === OPEN_OBJECT;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      depth -= 1;
      if (depth === 0) return count;
      expectKey = false;
    } else if (char === COMMA) {
      expectKey = depth === 1 || (depth === 2 && names);
    }
  }
  return count;
}

/** One copy of something JSON.parse may drop as a whole (the field, or a group): its problems go with it. */
interface Copy {
  dropped: boolean;
  parent: Copy | null;
}

class Walk {
  /** The index of the next character to read. */
  at = 0;
  private readonly found: { problem: DuplicateDeclaration; copy: Copy | null }[] = [];
  private field: Copy | null = null;

  constructor(private readonly text: string) {}

  problems(): DuplicateDeclaration[] {
    return this.found.filter(({ copy }) => !isDropped(copy)).map(({ problem }) => problem);
  }

  /** Walks the members of the top-level object, looking into each `entryPoints` one. */
  topLevel(): void {
    this.at = this.text.indexOf('{');
    let fields = 0;
    this.members(() => {
      const key = this.key();
      if (key !== 'entryPoints') return this.skipValue();
      fields += 1;
      if (fields === 2) this.report(null, REPEATED_FIELD.reason, null, null);
      this.fieldValue();
    });
  }

  /** Reads the `: value` of an `entryPoints` key. */
  fieldValue(): void {
    this.colon();
    this.fieldObject();
  }

  /** Reads the value of an `entryPoints` key, at `at`; only an object of groups has keys to compare. */
  fieldObject(): void {
    if (this.field) this.field.dropped = true;
    const field: Copy = { dropped: false, parent: null };
    this.field = field;
    if (this.text.charCodeAt(this.at) !== OPEN_OBJECT) return this.skipValue();
    const groups = new Map<string, Copy>();
    const reported = new Set<string>();
    this.members(() => {
      const group = this.key();
      this.colon();
      const earlier = groups.get(group);
      if (earlier) {
        earlier.dropped = true;
        if (!reported.has(group)) {
          reported.add(group);
          this.report(
            field,
            `group ${quote(group)} appears more than once in "entryPoints": only the last one is used`,
            group,
            null,
          );
        }
      }
      const copy: Copy = { dropped: false, parent: field };
      groups.set(group, copy);
      if (this.text.charCodeAt(this.at) === OPEN_OBJECT) this.group(group, copy);
      else this.skipValue();
    });
  }

  /** Reads one group's object of `name: value`. */
  private group(group: string, copy: Copy): void {
    const names = new Set<string>();
    const reported = new Set<string>();
    this.members(() => {
      const name = this.key();
      if (names.has(name) && !reported.has(name)) {
        reported.add(name);
        this.report(
          copy,
          `entry point ${quote(name)} appears more than once in group ${quote(group)}: only the last one is used`,
          group,
          name,
        );
      }
      names.add(name);
      this.colon();
      this.skipValue();
    });
  }

  private report(copy: Copy | null, reason: string, group: string | null, name: string | null): void {
    this.found.push({ problem: { reason, group, name }, copy });
  }

  /** Calls `member` for each member of the object that opens at `at` (each starts at its key); ends past `}`. */
  private members(member: () => void): void {
    this.at += 1;
    for (;;) {
      const char = this.skipSpace();
      if (char === CLOSE_OBJECT || Number.isNaN(char)) {
        this.at += 1;
        return;
      }
      if (char === COMMA) this.at += 1;
      else member();
    }
  }

  /** The key that starts at `at` (a string), decoded as JSON.parse decodes it. */
  private key(): string {
    this.skipSpace();
    const start = this.at;
    const end = endOfString(this.text, start);
    this.at = end;
    const raw = this.text.slice(start + 1, end - 1);
    return raw.includes('\\') ? (JSON.parse(this.text.slice(start, end)) as string) : raw;
  }

  /** Skips the `:` after a key and the white space around it. */
  private colon(): void {
    this.skipSpace();
    this.at += 1;
    this.skipSpace();
  }

  /** Skips the value that starts at `at`, however deep it nests (a depth counter, no recursion). */
  private skipValue(): void {
    const { text } = this;
    let depth = 0;
    for (let i = this.at; i < text.length; i++) {
      const char = text.charCodeAt(i);
      if (char === QUOTE) {
        i = endOfString(text, i) - 1;
        if (depth === 0) {
          this.at = i + 1;
          return;
        }
      } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
        depth += 1;
      } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY || (char === COMMA && depth === 0)) {
        // A `}` or `,` at depth 0 ends a number or a literal (it belongs to the object around it).
        if (depth === 0) {
          this.at = i;
          return;
        }
        depth -= 1;
        if (depth === 0) {
          this.at = i + 1;
          return;
        }
      }
    }
    this.at = text.length;
  }

  /** Skips white space; returns the character code at `at` (NaN at the end). */
  private skipSpace(): number {
    this.at = skipSpace(this.text, this.at);
    return this.text.charCodeAt(this.at);
  }
}

/** The index of the first character at or after `at` that is not JSON white space. */
function skipSpace(text: string, at: number): number {
  let i = at;
  for (let char = text.charCodeAt(i); char === 0x20 || char === 0x0a || char === 0x0d || char === 0x09;) {
    char = text.charCodeAt(++i);
  }
  return i;
}

function isDropped(copy: Copy | null): boolean {
  for (let current = copy; current; current = current.parent) if (current.dropped) return true;
  return false;
}

/** The index just past the closing quote of the string that opens at `start`. */
function endOfString(text: string, start: number): number {
  let quote = start + 1;
  for (;;) {
    quote = text.indexOf('"', quote);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote++;
  }
}
