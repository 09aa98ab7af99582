/** The access diff and the effective-access view (see docs/diff.md). */
export type { AccessCell, AccessChange, AccessDiff, AccessRow, AccessView, ChangeKind, RowKind, SpecIntent } from './types';
export { accessLimit, accessView, keyName } from './view';
export { diffAccess, isPartial, widens } from './diff';
export { keyPolicies, matchKeys, type KeyPair, type KeyPolicy } from './keys';
export { changeSubject, changesAccess, diffText, diffMarkdown, diffSummary, viewMarkdown, viewHtml, diffHtml, type KeyDiff } from './render';
