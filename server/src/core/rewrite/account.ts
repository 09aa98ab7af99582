/** The account a key policy belongs to, for the root statement of the delegate-to-iam style. */
import type { PolicyDocument } from '../policy/model';

import { ACCOUNT_ID, ACCOUNT_ROOT_ARN as ROOT, rootArn } from '../principal/arn';

const ACCOUNT_ARN = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):/;

/** The account root the policy already names in an Allow, else the account of the first principal ARN. */
export function accountRootOf(policy: PolicyDocument, principals: readonly string[] = []): string | undefined {
  for (const s of policy.statements) {
    if (s.effect?.value !== 'Allow') continue;
    for (const e of s.principal?.entries ?? []) {
      for (const v of e.values.items) {
        if (ROOT.test(v.value)) return v.value;
        if (ACCOUNT_ID.test(v.value)) return rootArn(v.value);
      }
    }
  }
  for (const p of principals) {
    const m = ACCOUNT_ARN.exec(p);
    if (m) return rootArn(m[2], m[1]);
  }
  return undefined;
}
