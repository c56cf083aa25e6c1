/**
 * "Did you mean ...": names that differ from another only by a typo (a
 * missing, extra, wrong or swapped character or two).
 */

/**
 * The optimal string alignment distance: edits, counting a swap of neighbours as one. Three rows are kept (a
 * swap looks two back), so memory follows the shorter side, not the product of the lengths.
 */
export function editDistance(a: string, b: string): number {
  if (a.length < b.length) [a, b] = [b, a];
  const cols = b.length + 1;
  let before = new Int32Array(cols);
  let previous = Int32Array.from({ length: cols }, (_, j) => j);
  let current = new Int32Array(cols);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2] + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/** How many edits still count as a typo of a word this long. */
export function typoBudget(length: number): number {
  if (length <= 4) return 1;
  return length <= 12 ? 2 : 3;
}

/** True when `a` and `b` differ, but only by a typo. */
export function isTypo(a: string, b: string): boolean {
  if (a === b) return false;
  // Case-only differences are typos too (group names are compared exactly).
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const budget = typoBudget(Math.min(a.length, b.length));
  // Names are read from package.json files: a long one must not cost its length times the other's.
  if (Math.abs(a.length - b.length) > budget) return false;
  return editDistance(a, b) <= budget;
}

/** The candidates that `word` is probably a typo of, closest first. */
export function didYouMean(word: string, candidates: Iterable<string>): string[] {
  const close: [string, number][] = [];
  for (const candidate of new Set(candidates)) {
    if (isTypo(word, candidate)) close.push([candidate, editDistance(word.toLowerCase(), candidate.toLowerCase())]);
  }
  return close.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1)).map(([candidate]) => candidate);
}

/** ` (did you mean 'a' or 'b'?)`, or nothing. */
export function suggestion(names: readonly string[]): string {
  if (names.length === 0) return '';
  const quoted = names.slice(0, 3).map((name) => `'${name}'`);
  const last = quoted.pop() as string;
  return ` (did you mean ${quoted.length ? `${quoted.join(', ')} or ${last}` : last}?)`;
}
