/**
 * Finds keys that appear twice in the `entryPoints` part of a package.json.
 * `JSON.parse` (like Node and npm) keeps the last of two equal keys and
 * drops the first without a word; for an entry point that means a plugin
 * that silently disappears, so discovery reports it.
 */

/** One repeated key: the keys leading to its object, and the key itself. */
interface DuplicateKey {
  path: readonly string[];
  key: string;
}

interface Frame {
  /** The keys seen so far; null for an array. */
  keys: Set<string> | null;
  reported: Set<string>;
  path: readonly string[];
  lastKey: string;
}

/**
 * The repeated keys of every object up to `maxDepth` levels deep (0 is the
 * top-level object). `text` must be valid JSON (parse it first).
 */
export function findDuplicateKeys(
  text: string,
  maxDepth: number,
  from = 0,
  basePath: readonly string[] = [],
): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = endOfString(text, i);
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (stack.length - 1 <= maxDepth && top.keys.has(key) && !top.reported.has(key)) {
          top.reported.add(key);
          found.push({ path: top.path, key });
        }
        top.keys.add(key);
        top.lastKey = key;
        expectKey = false;
      }
      i = end - 1;
    } else if (char === '{' || char === '[') {
      const parent = stack[stack.length - 1];
      const path = parent ? [...parent.path, parent.keys ? parent.lastKey : '[]'] : basePath;
      stack.push({ keys: char === '{' ? new Set() : null, reported: new Set(), path, lastKey: '' });
      expectKey = char === '{';
    } else if (char === '}' || char === ']') {
      stack.pop();
      expectKey = false;
      if (stack.length === 0) break;
    } else if (char === ',') {
      expectKey = Boolean(stack[stack.length - 1]?.keys);
    }
  }
  return found;
}

/** The index just past the closing quote of the string that opens at `start`. */
function endOfString(text: string, start: number): number {
  let quote = start + 1;
  for (;;) {
    quote = text.indexOf('"', quote);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote++;
  }
}

/** A repeated key that loses a declaration: why, and the group and name it is about. */
export interface DuplicateDeclaration {
  reason: string;
  group: string | null;
  name: string | null;
}

/** Why each repeated key of the `entryPoints` declarations in a manifest's text loses a declaration. */
export function duplicateDeclarationProblems(text: string): DuplicateDeclaration[] {
  const problems: DuplicateDeclaration[] = [];
  for (const { path, key } of declarationDuplicates(text)) {
    const where = path.length === 0 ? null : path[0];
    if (path.length === 0 && key === 'entryPoints') {
      problems.push({
        reason: '"entryPoints" appears more than once: only the last one is used',
        group: null,
        name: null,
      });
    } else if (path.length === 1 && where === 'entryPoints') {
      problems.push({
        reason: `group ${JSON.stringify(key)} appears more than once in "entryPoints": only the last one is used`,
        group: key,
        name: null,
      });
    } else if (path.length === 2 && where === 'entryPoints') {
      problems.push({
        reason:
          `entry point ${JSON.stringify(key)} appears more than once in group ${JSON.stringify(path[1])}: ` +
          'only the last one is used',
        group: path[1],
        name: key,
      });
    }
  }
  return problems;
}

const FIELD = '"entryPoints"';
const FIELD_TO_VALUE = /^\s*:\s*\{/;

/**
 * The repeated keys of the declarations. Usually `"entryPoints"` appears once
 * and without escapes anywhere in the text: it is then the field itself, and
 * only its object (a small part of a manifest) needs tokenizing.
 */
function declarationDuplicates(text: string): DuplicateKey[] {
  const at = text.indexOf(FIELD);
  const unique = at !== -1 && text.indexOf(FIELD, at + FIELD.length) === -1 && !text.includes('\\');
  const value = unique ? FIELD_TO_VALUE.exec(text.slice(at + FIELD.length, at + FIELD.length + 64)) : null;
  if (!value) return findDuplicateKeys(text, 2);
  const open = at + FIELD.length + value[0].length - 1;
  return findDuplicateKeys(text, 1, open, ['entryPoints']);
}
