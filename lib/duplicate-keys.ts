/**
 * Finds keys that appear twice in the `entryPoints` field of a package.json.
 * `JSON.parse` (like Node and npm) keeps the last of two equal keys and
 * drops the first without a word; for an entry point that means a plugin
 * that silently disappears, so discovery reports it.
 *
 * {@link RepeatedKeys} words and keeps the problems for whoever reads the
 * field (discovery reads it from the bytes, see manifest.ts);
 * {@link duplicateDeclarationProblems} finds them in a manifest's text. That
 * text is walked once, left to right, without recursion: what is kept is the
 * keys seen at the two levels that are reported (groups, and names in a
 * group) and a depth counter for anything deeper, so the cost is linear in
 * the text whatever it holds or however deep it nests.
 */
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE, isSpace } from './json-syntax';
import { quote } from './quote';

/** A repeated key that loses a declaration: why, and the group and name it is about. */
export interface DuplicateDeclaration {
  reason: string;
  group: string | null;
  name: string | null;
}

/**
 * One copy of the field or of a group. JSON.parse keeps the last copy of a
 * repeated key and drops the others whole: the problems inside a dropped
 * copy go with it (its loss is the one problem).
 */
export interface KeyCopy {
  dropped: boolean;
  parent: KeyCopy | null;
  /** The keys of this copy's object already reported as repeated. */
  reported: Set<string> | null;
}

const NONE: readonly DuplicateDeclaration[] = Object.freeze([]);

/** The repeated keys met while reading an `entryPoints` field, in the order they were met. */
export class RepeatedKeys {
  private readonly found: { problem: DuplicateDeclaration; copy: KeyCopy | null }[] = [];
  private copy: KeyCopy | null = null;
  private copies = 0;

  /** A top-level `entryPoints` key: its value is a new copy of the field, and drops the one before. */
  field(): KeyCopy {
    this.copies += 1;
    if (this.copies === 2)
      this.report(null, '"entryPoints" appears more than once: only the last one is used', null, null);
    if (this.copy) this.copy.dropped = true;
    this.copy = { dropped: false, parent: null, reported: null };
    return this.copy;
  }

  /** The copy of a group (in the copy `field`), to note its repeated names in. */
  group(field: KeyCopy): KeyCopy {
    return { dropped: false, parent: field, reported: null };
  }

  /**
   * A group key met again in the copy `field`: the copy that follows.
   * @param earlier The copy of the group met before, if one was made: it is dropped.
   */
  repeatedGroup(field: KeyCopy, group: string, earlier: KeyCopy | undefined): KeyCopy {
    if (earlier) earlier.dropped = true;
    field.reported ??= new Set();
    if (!field.reported.has(group)) {
      field.reported.add(group);
      this.report(
        field,
        `group ${quote(group)} appears more than once in "entryPoints": only the last one is used`,
        group,
        null,
      );
    }
    return this.group(field);
  }

  /** A name met again in the copy `copy` of `group`. */
  repeatedName(copy: KeyCopy, group: string, name: string): void {
    copy.reported ??= new Set();
    if (copy.reported.has(name)) return;
    copy.reported.add(name);
    this.report(
      copy,
      `entry point ${quote(name)} appears more than once in group ${quote(group)}: only the last one is used`,
      group,
      name,
    );
  }

  /** The problems of the copies JSON.parse keeps. */
  problems(): readonly DuplicateDeclaration[] {
    if (this.found.length === 0) return NONE;
    return this.found.filter(({ copy }) => !isDropped(copy)).map(({ problem }) => problem);
  }

  private report(copy: KeyCopy | null, reason: string, group: string | null, name: string | null): void {
    this.found.push({ problem: { reason, group, name }, copy });
  }
}

/**
 * Why each repeated key of the top-level `entryPoints` field loses a
 * declaration, in the order they appear. Only the copy that `JSON.parse`
 * keeps is looked into: a repeated name inside a group (or a field) that is
 * dropped as a whole is part of that one problem.
 *
 * @param text The text of a JSON object that has an `entryPoints` field:
 *   parse it first, and call this only when the parsed object has one.
 */
export function duplicateDeclarationProblems(text: string): readonly DuplicateDeclaration[] {
  const walk = new Walk(text);
  const at = fieldPosition(text);
  if (at === -1) walk.topLevel();
  else {
    walk.at = at + FIELD.length;
    walk.fieldValue();
  }
  return walk.repeated.problems();
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

const FIELD = '"entryPoints"';

class Walk {
  /** The index of the next character to read. */
  at = 0;
  readonly repeated = new RepeatedKeys();

  constructor(private readonly text: string) {}

  /** Walks the members of the top-level object, looking into each `entryPoints` one. */
  topLevel(): void {
    this.at = this.text.indexOf('{');
    this.members(() => {
      if (this.key() === 'entryPoints') this.fieldValue();
      else this.skipValue();
    });
  }

  /** Reads the `: value` of an `entryPoints` key; only an object of groups has keys to compare. */
  fieldValue(): void {
    const field = this.repeated.field();
    this.colon();
    if (this.text.charCodeAt(this.at) !== OPEN_OBJECT) return this.skipValue();
    const groups = new Map<string, KeyCopy>();
    this.members(() => {
      const group = this.key();
      this.colon();
      const earlier = groups.get(group);
      const copy = earlier ? this.repeated.repeatedGroup(field, group, earlier) : this.repeated.group(field);
      groups.set(group, copy);
      if (this.text.charCodeAt(this.at) === OPEN_OBJECT) this.group(group, copy);
      else this.skipValue();
    });
  }

  /** Reads one group's object of `name: value`. */
  private group(group: string, copy: KeyCopy): void {
    const names = new Set<string>();
    this.members(() => {
      const name = this.key();
      if (names.has(name)) this.repeated.repeatedName(copy, group, name);
      names.add(name);
      this.colon();
      this.skipValue();
    });
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
  while (isSpace(text.charCodeAt(i))) i += 1;
  return i;
}

function isDropped(copy: KeyCopy | null): boolean {
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
