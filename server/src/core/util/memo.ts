/**
 * Module-level memo caches with a size bound. The language server runs for days, and caches
 * keyed by what the user typed (action values, principal ARNs, operators, condition keys) would
 * otherwise keep every value ever typed. A memo keeps at most `bound` entries in two
 * generations: new entries go into `recent`; when it holds bound/2, it becomes `older` and the
 * previous `older` is dropped. A hit in `older` is copied into `recent`, so the values a
 * policy keeps asking about survive while one-off values age out. O(1) per call, no LRU links.
 *
 * Caches keyed by a fixed, finite domain (the catalog's own actions, operator spellings) do not
 * need this and stay plain Maps; WeakMaps keyed by documents are bounded by the documents.
 */
export class BoundedMemo<K, V> {
  private recent = new Map<K, V>();
  private older = new Map<K, V>();
  private readonly half: number;

  /** `compute` must be pure: a key evicted and computed again gives an equal value. */
  constructor(
    readonly name: string,
    readonly bound: number,
    private readonly compute: (key: K) => V,
  ) {
    if (!(bound >= 2)) throw new RangeError(`${name}: a bound of at least 2 (two generations of bound/2)`);
    this.half = Math.floor(bound / 2);
    memos.push(this);
  }

  get(key: K): V {
    let value = this.recent.get(key);
    if (value !== undefined || this.recent.has(key)) return value as V;
    value = this.older.has(key) ? (this.older.get(key) as V) : this.compute(key);
    if (this.recent.size >= this.half) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(key, value);
    return value;
  }

  /** Entries held (an entry copied from `older` to `recent` counts twice); never above `bound`. */
  get size(): number {
    return this.recent.size + this.older.size;
  }
}

interface MemoInfo {
  readonly name: string;
  readonly bound: number;
  readonly size: number;
}
const memos: MemoInfo[] = [];

/** Every bounded memo created so far, for tests and diagnostics. */
export function boundedMemos(): readonly MemoInfo[] {
  return memos;
}
