'use strict';
/**
 * A formatter in another "package" of stevedore's examples
 * (stevedore/example2/fields.py): values as a reStructuredText field list,
 * long values wrapped with a hanging indent.
 *
 *   : name1 : value
 *   : name2 : value
 *   : name3 : a long value
 *       will be wrapped with
 *       a hanging indent
 */
const { FormatterBase } = require('./base');
const { sortedItems } = require('./simple');

class FieldList extends FormatterBase {
  /**
   * @param {Record<string, unknown>} data String keys and simple values.
   * @returns {Iterable<string>} One field per item, sorted by name, wrapped at `maxWidth`.
   */
  *format(data) {
    for (const [name, value] of sortedItems(data)) {
      const fullText = `: ${name} : ${value}`;
      yield fill(fullText, this.maxWidth, { subsequentIndent: '    ' }) + '\n';
    }
  }
}

// How Python's textwrap splits text into chunks: runs of whitespace, and
// words, where a hyphenated word ("long-winded") may break after its hyphen.
const WS = '[\\t\\n\\x0b\\x0c\\r ]';
const NON_WS = '[^\\t\\n\\x0b\\x0c\\r ]';
const WORD = '[\\p{L}\\p{N}_]';
const WORD_PUNCT = `[\\p{L}\\p{N}_!"'&.,?]`;
const LETTER = '[\\p{L}\\p{Nl}\\p{No}_]';
const WORD_SEPARATOR = new RegExp(
  `(${WS}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
    `|${NON_WS}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
    `|(?=${WS}|$)` +
    `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})))`,
  'u',
);

/** Lengths and slices in code points, as Python counts characters. */
const length = (text) => [...text].length;
const slice = (text, start, end) => [...text].slice(start, end).join('');

/** Python's `str.expandtabs(8)`: each tab up to the next multiple of 8 columns. */
function expandTabs(text) {
  let column = 0;
  let out = '';
  for (const char of text) {
    if (char === '\t') {
      const spaces = 8 - (column % 8);
      out += ' '.repeat(spaces);
      column += spaces;
    } else {
      out += char;
      column = char === '\n' || char === '\r' ? 0 : column + 1;
    }
  }
  return out;
}

/**
 * Wraps `text` into lines of at most `width` characters exactly as Python's
 * `textwrap.fill(text, width, initial_indent=..., subsequent_indent=...)`
 * does with its other options at their defaults: tabs expanded, whitespace
 * turned into spaces, breaks at whitespace and after hyphens, whitespace
 * dropped where lines break, and words longer than a line cut.
 *
 * @param {string} text
 * @param {number} width The widest line, indent included (> 0).
 * @param {{ initialIndent?: string, subsequentIndent?: string }} [indents]
 * @returns {string} The lines joined with `\n`.
 */
function fill(text, width, { initialIndent = '', subsequentIndent = '' } = {}) {
  if (!(width > 0)) throw new RangeError(`invalid width ${width} (must be > 0)`);
  const chunks = expandTabs(text)
    .replace(new RegExp(WS, 'g'), ' ')
    .split(WORD_SEPARATOR)
    .filter((chunk) => chunk)
    .reverse();
  const isBlank = (chunk) => chunk.trim() === '';
  const lines = [];
  while (chunks.length) {
    const indent = lines.length ? subsequentIndent : initialIndent;
    const room = width - length(indent);
    // A wrapped line never starts with the whitespace it was broken at.
    if (lines.length && isBlank(chunks[chunks.length - 1])) chunks.pop();
    const line = [];
    let used = 0;
    while (chunks.length && used + length(chunks[chunks.length - 1]) <= room) {
      const chunk = chunks.pop();
      line.push(chunk);
      used += length(chunk);
    }
    if (chunks.length && length(chunks[chunks.length - 1]) > room) {
      // A word longer than a whole line: cut it to fill this one, after its
      // last hyphen when there is one in reach.
      const word = chunks[chunks.length - 1];
      const spaceLeft = room < 1 ? 1 : room - used;
      let end = spaceLeft;
      const hyphen = slice(word, 0, spaceLeft).lastIndexOf('-');
      if (hyphen > 0 && /[^-]/.test(word.slice(0, hyphen))) end = length(word.slice(0, hyphen)) + 1;
      line.push(slice(word, 0, end));
      chunks[chunks.length - 1] = slice(word, end);
      // When the indent leaves no room, Python loops forever on an empty
      // remainder; drop it instead.
      if (room < 1 && !chunks[chunks.length - 1]) chunks.pop();
    }
    if (line.length && isBlank(line[line.length - 1])) line.pop();
    if (line.length) lines.push(indent + line.join(''));
  }
  return lines.join('\n');
}

module.exports = { FieldList, fill };
