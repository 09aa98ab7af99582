/** Principal values in a domain spec: full IAM ARNs, or short forms (`role/ci`) completed with the spec's account. */

import { ACCOUNT_ID, PARTITIONS, rootArn } from './arn';

export { ACCOUNT_ID, PARTITIONS };

/** A name under `principals`: a letter, then letters, digits, `_`, `.` or `-`. */
export const PRINCIPAL_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** IAM name characters (role, user and path segments), plus the `*` and `?` wildcards ArnLike allows. */
const IAM_NAME = /^[\w+=,.@*?-]+$/;

export type PrincipalCheck =
  | { readonly ok: true; readonly arn: string; readonly kind: 'root' | 'role' | 'user' | 'session'; readonly wildcard: boolean }
  | { readonly ok: false; readonly message: string; readonly account?: boolean };

/** Does this look like an ARN or a short form, rather than a principal name? */
export function looksLikeArn(value: string): boolean {
  return value.startsWith('arn:') || /^(role|user|assumed-role)\//.test(value);
}

/**
 * Checks a principal value and resolves it to a full ARN. Accepts
 * `arn:<partition>:iam::<account>:root|role/<path/>name|user/<path/>name`,
 * `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`, and the short forms
 * `role/<path/>name` and `user/<path/>name`, which need `account`.
 */
export function checkPrincipal(value: string, account: string | undefined, partition = 'aws'): PrincipalCheck {
  const v = value.trim();
  if (v !== value) return { ok: false, message: `"${value}" has spaces around it.` };
  if (/^(role|user)\//.test(v)) {
    if (!account) return { ok: false, message: `"${v}" is a short form: set "account" (the 12-digit account id) so it can become arn:${partition}:iam::<account>:${v}, or write the full ARN.` };
    if (!ACCOUNT_ID.test(account)) return { ok: false, message: `"${v}" needs a valid account; "account" is not a 12-digit account id.`, account: true };
    return checkPrincipal(`arn:${partition}:iam::${account}:${v}`, account, partition);
  }
  if (ACCOUNT_ID.test(v)) return { ok: false, message: `"${v}" is an account id, not a principal. Write the root ARN, arn:${partition}:iam::${v}:root, if you mean the account.` };
  if (!v.startsWith('arn:')) return { ok: false, message: `"${v}" is not an IAM principal ARN (arn:aws:iam::111122223333:role/name).` };
  const parts = v.split(':');
  if (parts.length < 6) return { ok: false, message: `"${v}" is not a complete ARN: it needs six parts, arn:partition:service:region:account:resource.` };
  const [, part, service, region, acct] = parts;
  const resource = parts.slice(5).join(':');
  if (!(PARTITIONS as readonly string[]).includes(part)) return { ok: false, message: `"${part}" is not an AWS partition (${PARTITIONS.slice(0, 3).join(', ')}...).` };
  if (service !== 'iam' && service !== 'sts') return { ok: false, message: `"${v}" is not an IAM principal: the service must be iam (or sts for a role session), not "${service}".` };
  if (region !== '') return { ok: false, message: `IAM ARNs have no region: remove "${region}" (arn:${part}:${service}::${acct}:${resource}).` };
  if (!ACCOUNT_ID.test(acct)) return { ok: false, account: true, message: `"${acct}" is not an account id: an account id is exactly 12 digits.` };
  const wildcard = /[*?]/.test(resource);
  if (service === 'sts') {
    const m = /^assumed-role\/([^/]+)\/([^/]+)$/.exec(resource);
    if (!m || !IAM_NAME.test(m[1]) || !IAM_NAME.test(m[2])) return { ok: false, message: `"${v}" is not a role session ARN (arn:${part}:sts::${acct}:assumed-role/<role>/<session>).` };
    return { ok: true, arn: v, kind: 'session', wildcard };
  }
  if (resource === 'root') return { ok: true, arn: v, kind: 'root', wildcard: false };
  const m = /^(role|user)\/(.+)$/.exec(resource);
  if (!m) return { ok: false, message: `"${resource}" is not an IAM principal: use root, role/<name> or user/<name>.` };
  const segments = m[2].split('/');
  if (segments.some((s) => s === '' || !IAM_NAME.test(s)) || m[2].length > 512) {
    return { ok: false, message: `"${m[2]}" is not a valid ${m[1]} name: letters, digits and + = , . @ _ - only (and / between path segments).` };
  }
  return { ok: true, arn: v, kind: m[1] as 'role' | 'user', wildcard };
}

/** The readable name of a principal ARN: `appA` for `arn:aws:iam::111122223333:role/appA`. */
export function shortName(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  if (resource === 'root') return `root of ${arn.split(':')[4]}`;
  if (resource.startsWith('assumed-role/')) return resource.split('/').slice(1).join('/');
  return resource.slice(resource.lastIndexOf('/') + 1) || arn;
}

/** The root ARN of an account in a partition. */
export function accountRoot(account: string, partition = 'aws'): string {
  return rootArn(account, partition);
}
