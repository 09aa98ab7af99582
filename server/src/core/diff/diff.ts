import type { EvaluateOptions } from '../evaluate/evaluate';
import type { PolicyDocument } from '../policy/model';
import type { AccessChange, AccessDiff } from './types';

/** What changes in effective access from `before` to `after` (either may be missing: a key added or removed). */
export function diffAccess(before: PolicyDocument | undefined, after: PolicyDocument | undefined, options?: EvaluateOptions): AccessDiff {
  void before, after, options;
  throw new Error('not implemented yet');
}

/** Does this change widen access (a gain, or conditions that changed and may widen)? */
export function widens(change: AccessChange): boolean {
  return change.kind !== 'loss';
}
