/**
 * Quoting text from package.json files in messages. Nobody here wrote that
 * text: a value can be a megabyte long or an array nested a hundred thousand
 * deep, and a warning must stay short and never fail to be made.
 */

/** How many characters of a string a message quotes. */
export const QUOTE_LIMIT = 200;

/**
 * `text` as a JSON string literal, cut after {@link QUOTE_LIMIT} characters:
 * `"./a.js [     …" (100009 characters)` for a long one.
 */
export function quote(text: string): string {
  if (text.length <= QUOTE_LIMIT) return JSON.stringify(text);
  let end = QUOTE_LIMIT;
  // Never cut a surrogate pair in two.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${JSON.stringify(text.slice(0, end)).slice(0, -1)}…" (${text.length} characters)`;
}

/**
 * A short form of any value parsed from JSON: a quoted string, a number,
 * `true`, `null`; null for an array or an object, whose content may nest
 * without end (name its kind with {@link kindOf} instead).
 */
export function preview(value: unknown): string | null {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'object' && value !== null) return null;
  return String(value);
}

/** What a value is, for "expected …, got …": `an array`, `an object`, `null`, `a number`. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
