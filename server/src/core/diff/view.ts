import type { EvaluateOptions } from '../evaluate/evaluate';
import type { PolicyDocument } from '../policy/model';
import type { AccessView } from './types';

/** Every principal the policy names, then the stand-ins, against the five capabilities. */
export function accessView(policy: PolicyDocument, options?: EvaluateOptions): AccessView {
  void policy, options;
  throw new Error('not implemented yet');
}

/** The name of the key a policy belongs to: the IaC resource (logical id, `aws_kms_key.x`), else `fallback` (a file name). */
export function keyName(policy: PolicyDocument, fallback: string): string {
  return policy.embedded?.resource ?? fallback;
}
