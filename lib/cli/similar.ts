/**
 * "Did you mean ...": names that differ from another only by a typo (a
 * missing, extra, wrong or swapped character or two).
 */

/** The optimal string alignment distance: edits, counting a swap of neighbours as one. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
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
  return editDistance(a, b) <= typoBudget(Math.min(a.length, b.length));
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
