/** The account a key policy belongs to, for the root statement of the delegate-to-iam style. */
import type { PolicyDocument } from '../policy/model';

const ROOT = /^arn:(aws[a-z-]*):iam::(\d{12}):root$/;
const ACCOUNT_ARN = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):/;

/** The account root the policy already names in an Allow, else the account of the first principal ARN. */
export function accountRootOf(policy: PolicyDocument, principals: readonly string[] = []): string | undefined {
  for (const s of policy.statements) {
    if (s.effect?.value !== 'Allow') continue;
    for (const e of s.principal?.entries ?? []) {
      for (const v of e.values.items) {
        if (ROOT.test(v.value)) return v.value;
        if (/^\d{12}$/.test(v.value)) return `arn:aws:iam::${v.value}:root`;
      }
    }
  }
  for (const p of principals) {
    const m = ACCOUNT_ARN.exec(p);
    if (m) return `arn:${m[1]}:iam::${m[2]}:root`;
  }
  return undefined;
}
