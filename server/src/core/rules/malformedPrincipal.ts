import type { ScalarValue } from '../policy/model';
import type { Rule, RuleFinding } from './types';
import { statementName } from './util';
import { hasPlaceholder, isPlaceholder, withStandIns } from '../policy/placeholder';

import { ACCOUNT_ID as ACCOUNT, IAM_PRINCIPAL_ARN as IAM_ARN, SERVICE_PRINCIPAL as SERVICE } from '../principal/arn';
const PRINCIPAL_ARN_KEYS = new Set(['aws:principalarn', 'aws:sourcearn']);
const ACCOUNT_KEYS = new Set(['aws:principalaccount', 'kms:calleraccount', 'aws:sourceaccount', 'aws:resourceaccount']);

/** AWS principal values, account ids and principal ARNs in conditions that AWS would reject or that can never match. */
export const malformedPrincipal: Rule = {
  id: 'malformed-principal',
  defaultSeverity: 'error',
  summary: 'A principal ARN or account id is malformed.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const p of [s.principal, s.notPrincipal]) {
        if (!p) continue;
        if (p.bare && p.bare.value !== '*' && !isPlaceholder(p.bare.value)) {
          out.push({ span: p.bare.span, message: `A bare principal string must be "*". Write {"AWS": "${p.bare.value}"} to name an AWS principal.` });
        }
        for (const e of p.entries) {
          for (const v of e.values.items) {
            if (!v.literal) continue;
            // A template placeholder (`${account_id}`, `<ADMIN_ARN>`) is a symbolic value, not a malformed one:
            // the value is checked with a valid stand-in in its place.
            const probe = hasPlaceholder(v.value) ? withStandIns(v.value) : v.value;
            if (probe === undefined) continue;
            if (e.type === 'AWS') checkAws(v, probe, out, () => statementName(s));
            else if (e.type === 'Service' && probe !== '*' && !SERVICE.test(probe)) {
              out.push({ span: v.span, message: `"${v.value}" is not an AWS service principal (such as "logs.amazonaws.com").` });
            }
          }
        }
      }
      for (const c of s.condition?.clauses ?? []) {
        const key = c.key.value.toLowerCase();
        for (const v of c.values.items) {
          if (v.written !== undefined && !v.literal) continue; // an IaC value unknown here
          const probe = hasPlaceholder(v.value) ? withStandIns(v.value) : v.value;
          if (probe === undefined) continue;
          if (ACCOUNT_KEYS.has(key) && !/[*?]/.test(probe) && !ACCOUNT.test(probe)) {
            out.push({ span: v.span, message: `"${v.value}" is not a 12-digit AWS account id, so ${c.key.value} never matches it.` });
          }
          if (PRINCIPAL_ARN_KEYS.has(key) && key === 'aws:principalarn' && !probe.startsWith('arn:') && !/[*?]/.test(probe)) {
            out.push({ span: v.span, message: `"${v.value}" is not an ARN, so aws:PrincipalArn never matches it. Write the full ARN, such as "arn:aws:iam::111122223333:role/name".` });
          }
        }
      }
    }
    return out;
  },
};

function checkAws(v: ScalarValue, value: string, out: RuleFinding[], where: () => string): void {
  if (value === '*' || ACCOUNT.test(value) || (IAM_ARN.test(value) && !/[*?]/.test(value))) return;
  let hint = 'Use "*", a 12-digit account id, or an IAM ARN such as "arn:aws:iam::111122223333:role/name".';
  if (/^\d+$/.test(value)) hint = `An account id has 12 digits; this has ${value.length}.`;
  else if (/^arn:[^:]*:iam:[^:]+:/.test(value)) hint = 'IAM ARNs have no region: "arn:aws:iam::<account>:...".';
  else if (/^arn:[^:]*:iam::\d{12}:role\/?$/.test(value)) hint = 'The role name is missing.';
  else if (/^arn:[^:]*:sts::\d{12}:role\//.test(value)) hint = 'Role ARNs are in iam, not sts: "arn:aws:iam::<account>:role/<name>".';
  else if (/[*?]/.test(value)) hint = 'Principal elements take no wildcards except "*" alone; use "Principal": {"AWS": "*"} with an ArnLike condition on aws:PrincipalArn.';
  out.push({ span: v.span, message: `"${v.value}" in ${where()} is not a valid AWS principal. ${hint}` });
}
