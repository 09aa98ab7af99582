/** Did-you-mean: the closest candidate by edit distance, if close enough to be a typo. */

function editDistance(a: string, b: string, limit: number): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    let rowMin = prev[0];
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
      if (prev[j] < rowMin) rowMin = prev[j];
    }
    if (rowMin >= limit) return limit; // no cell can come back under the limit
  }
  return prev[b.length];
}

/**
 * The candidate closest to `value` (case-insensitive), within max(2, length/4) edits. Candidates
 * whose length alone rules them out are skipped, so a 1 MB value costs nothing.
 */
export function closest<T extends string>(value: string, candidates: readonly T[]): T | undefined {
  const v = value.toLowerCase();
  let best: T | undefined;
  let bestDistance = Math.max(2, Math.floor(v.length / 4)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - v.length) >= bestDistance) continue;
    const d = editDistance(v, c.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Code-unit order, for rule ids and other ASCII identifiers. Unlike `localeCompare` it does not
 * load ICU's collation data (megabytes of memory in the server) for an order that is the same.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
