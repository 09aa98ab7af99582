/** The access diff and the effective-access view (see docs/diff.md). */
export type { AccessCell, AccessChange, AccessDiff, AccessRow, AccessView, ChangeKind, RowKind, SpecIntent } from './types';
export { accessView, keyName } from './view';
export { diffAccess, widens } from './diff';
export { changesAccess, diffText, diffMarkdown, diffSummary, viewMarkdown, viewHtml, diffHtml, type KeyDiff } from './render';
