import type { AccessDiff, AccessView, SpecIntent } from './types';

export interface KeyDiff {
  /** The key: logical id, resource address or file name. */
  readonly key: string;
  /** The file, as the user should read it (a relative path). */
  readonly file?: string;
  readonly diff: AccessDiff;
}

/** One line per change: `+ arn:...:role/etl gains read-data (Decrypt, ReEncryptFrom) on OrdersKey`. */
export function diffText(diffs: readonly KeyDiff[]): string[] {
  void diffs;
  throw new Error('not implemented yet');
}

/** A Markdown section ready for a pull-request comment: a table per key. */
export function diffMarkdown(diffs: readonly KeyDiff[]): string {
  void diffs;
  throw new Error('not implemented yet');
}

/** For a code lens: `+2 grants, −1` (or `no change in access`). */
export function diffSummary(diff: AccessDiff): string {
  void diff;
  throw new Error('not implemented yet');
}

/** The diff as a self-contained HTML fragment (no script), styled with the editor's theme variables. */
export function diffHtml(diffs: readonly KeyDiff[], title: string): string {
  void diffs, title;
  throw new Error('not implemented yet');
}

/** The effective-access table: principals against the five capabilities, the spec's intent when given. */
export function viewMarkdown(view: AccessView, key: string, intent?: SpecIntent): string {
  void view, key, intent;
  throw new Error('not implemented yet');
}

/** The same table as a self-contained HTML fragment (no script), conditions as footnotes and on hover (title). */
export function viewHtml(view: AccessView, key: string, intent?: SpecIntent): string {
  void view, key, intent;
  throw new Error('not implemented yet');
}
