/**
 * IAM wildcards: `*` matches any run of characters, `?` exactly one. Matched with a two-pointer
 * scan that backtracks only to the last `*`, so the time is at most pattern × text: a pattern
 * such as `*a*a*a*a…b` cannot make it hang the way a backtracking regular expression does.
 */
import { BoundedMemo } from './memo';

export interface WildcardMatcher {
  test(text: string): boolean;
}

export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === 63 /* ? */ || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && c === 42 /* * */) {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/** Patterns are user-typed (Action values, ArnLike/StringLike values): bounded memos, one per case mode. */
const sensitive = new BoundedMemo<string, WildcardMatcher>('wildcard.caseSensitive', 2000, (p) => ({ test: (text) => globMatch(p, text) }));
const insensitive = new BoundedMemo<string, WildcardMatcher>('wildcard.caseInsensitive', 2000, (pattern) => {
  const p = pattern.toLowerCase();
  return { test: (text) => globMatch(p, text.toLowerCase()) };
});

/** A matcher for `pattern`, case-insensitive by default (action names), case-sensitive for StringLike/ArnLike. */
export function wildcardMatcher(pattern: string, caseSensitive = false): WildcardMatcher {
  return (caseSensitive ? sensitive : insensitive).get(pattern);
}
