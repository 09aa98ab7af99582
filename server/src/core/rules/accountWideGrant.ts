/**
 * account-wide-grant: `"AWS": "*"` narrowed only to an account (kms:CallerAccount,
 * aws:PrincipalAccount). In the key's own account a key policy Allow needs no IAM policy, so every
 * role and user there, including ones created later, gets the actions. AWS's own pattern for
 * "every principal in the account, through a service" adds kms:ViaService; k9's names the
 * principals with aws:PrincipalArn. Statements with either, or with any other condition on who
 * calls (a service pattern, a principal tag...), are not reported.
 */
import { capabilitiesOf, expandAction, type KmsAction } from '../catalog/catalog';
import { evaluatorFor, UNNAMED_ROLE } from '../evaluate/index';
import { parseOperator } from '../policy/operators';
import type { ScalarValue, Statement } from '../policy/model';
import type { Rule, RuleFinding } from './types';
import { capitalize, isAllow, statementName, stringItems } from './util';

const ACCOUNT_KEYS = new Set(['kms:calleraccount', 'aws:principalaccount']);

/** Keys (or key prefixes) of conditions that narrow who calls, or through what: with any of them the grant is not account-wide. */
const NARROWING = [
  'aws:principalarn',
  'aws:principaltag/',
  'aws:principaltype',
  'aws:principalisawsservice',
  'aws:principalservicename',
  'aws:userid',
  'aws:username',
  'aws:federatedprovider',
  'aws:sourceidentity',
  // AWS services acting for a resource (the service patterns)
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourceowner',
  'aws:calledvia',
  'aws:viaawsservice',
  'kms:viaservice',
  'kms:grantisforawsresource',
];

function narrowsCaller(lowerKey: string): boolean {
  return NARROWING.some((k) => lowerKey.startsWith(k));
}

function starPrincipal(s: Statement): ScalarValue | undefined {
  if (s.principal?.bare?.value === '*') return s.principal.bare;
  return s.principal?.entries.find((e) => e.type === 'AWS')?.values.items.find((v) => v.value === '*');
}

export const accountWideGrant: Rule = {
  id: 'account-wide-grant',
  usesAccess: true,
  defaultSeverity: 'warning',
  summary: '"AWS": "*" narrowed only to an account: every principal in that account can use the key, with no IAM policy needed.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      if (!isAllow(s) || !starPrincipal(s)) continue;
      const clauses = s.condition?.clauses ?? [];
      if (clauses.some((c) => narrowsCaller(c.key.value.toLowerCase()))) continue;
      const accountClause = clauses.find((c) => {
        const op = parseOperator(c.operator.value);
        return op !== undefined && !op.base.negated && op.base.family === 'String' && ACCOUNT_KEYS.has(c.key.value.toLowerCase());
      });
      if (!accountClause) continue;
      const actions: KmsAction[] = [...new Set(stringItems(s.action).flatMap((v) => expandAction(v.value)))];
      if (actions.length === 0) continue;
      for (const account of accountClause.values.items) {
        // A principal the policy does not name, in that account, as the evaluator sees it: in the
        // key's own account the Allow alone lets it in; elsewhere its own IAM policy must agree too.
        const decide = evaluatorFor(policy, `arn:aws:iam::${account.value}:role/${UNNAMED_ROLE}`);
        const granted = actions.filter((a) => {
          const d = decide(a);
          return (d.result === 'allowed' || d.result === 'conditional') && d.statements.includes(s.index);
        });
        if (granted.length === 0) continue;
        const caps = capabilitiesOf(granted);
        // Reading data (ReEncryptFrom moves ciphertext to a key the caller controls: reading too),
        // administering or destroying it is a warning; encrypting and reading the configuration, info.
        const serious = caps.some((c) => c !== 'read-config' && c !== 'write-data') || granted.some((a) => a.name === 'ReEncryptFrom');
        const other = clauses.length > 1 ? ' (when its other conditions hold)' : '';
        out.push({
          span: account.span,
          severity: serious ? undefined : 'info',
          message:
            `${capitalize(statementName(s))} lets every principal in account ${account.written ?? account.value} (any role or user there, including ones created later) ` +
            `use this key for ${granted.length} KMS action${granted.length === 1 ? '' : 's'} (${caps.join(', ')})${other}, with no IAM policy needed: only ${accountClause.key.value} limits the caller. ` +
            'Name the principals with aws:PrincipalArn, or add kms:ViaService so that they can use it only through that AWS service.',
        });
      }
    }
    return out;
  },
};
