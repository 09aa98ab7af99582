/**
 * not-principal-role: a Deny whose NotPrincipal names a role does not exempt the role's sessions.
 * A role acts only through its sessions (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`), and
 * AWS documents that with NotPrincipal and Deny it may check the account, then the role, then
 * the assumed-role session: each must be listed, and a session is listed only by its name (IAM
 * User Guide, "AWS JSON policy elements: NotPrincipal"). It recommends `aws:PrincipalArn` with
 * an ARN condition operator instead, where a session's value is its role's ARN.
 */
import { expandAction, kmsActions, type KmsAction } from '../catalog/catalog';
import { evaluatorFor, parseCaller } from '../evaluate/index';
import type { PolicyDocument, ScalarValue, Statement, ValueList } from '../policy/model';
import { globMatch } from '../util/wildcard';
import type { Rule, RuleFinding } from './types';
import { isAllow, isDeny, statementName, stringItems } from './util';

/** The catalog actions an Action or NotAction list covers. */
function covered(s: Statement): KmsAction[] {
  const names = (list: ValueList | undefined) => new Set(stringItems(list).flatMap((v) => expandAction(v.value)));
  if (s.action) return [...names(s.action)];
  if (s.notAction) {
    const not = names(s.notAction);
    return kmsActions.filter((a) => !not.has(a));
  }
  return [];
}

function describe(actions: readonly KmsAction[]): string {
  if (actions.length === kmsActions.length) return 'every KMS action';
  const names = actions.map((a) => a.fullName);
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Does the statement name the role itself (in Principal, or in an aws:PrincipalArn condition), not only its account? */
function namesDirectly(s: Statement, role: string): boolean {
  const values = [...(s.principal?.entries ?? []).filter((e) => e.type === 'AWS').flatMap((e) => e.values.items)];
  for (const c of s.condition?.clauses ?? []) if (c.key.value.toLowerCase() === 'aws:principalarn') values.push(...c.values.items);
  return values.some((v) => v.value === role || globMatch(v.value, role));
}

/** Allow statements that name the role and give it (as the evaluator reads it) any of these actions. */
function grantsOf(policy: PolicyDocument, role: string, actions: readonly KmsAction[]): Statement[] {
  const decide = evaluatorFor(policy, role);
  const indexes = new Set<number>();
  for (const a of actions) {
    const d = decide(a);
    if (d.result === 'allowed' || d.result === 'via-iam' || d.result === 'conditional') for (const i of d.statements) indexes.add(i);
  }
  return policy.statements.filter((s) => indexes.has(s.index) && isAllow(s) && namesDirectly(s, role));
}

/**
 * A NotPrincipal value known to name a role: written as a role ARN (an account placeholder such
 * as `<ACCOUNT_ID>` changes nothing), or in IaC a reference to a role (`aws_iam_role.x.arn`,
 * `!Sub ...:role/x`). Other references (a parameter, `!GetAtt X.Arn`) may name a user: skipped.
 */
function namesRole(v: ScalarValue): boolean {
  if (parseCaller(v.value).kind !== 'role') return false;
  return v.written === undefined || /aws_iam_role\.|:role\//.test(v.written);
}

export const notPrincipalRole: Rule = {
  id: 'not-principal-role',
  usesAccess: true,
  defaultSeverity: 'warning',
  summary: "A Deny whose NotPrincipal names a role: the role's sessions, which make its calls, are not exempt.",
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      if (!isDeny(s) || !s.notPrincipal) continue;
      const values = s.notPrincipal.entries.filter((e) => e.type === 'AWS').flatMap((e) => e.values.items.filter((v) => v.literal));
      const listedSessions = new Set<string>();
      const listedAccounts = new Set<string>();
      for (const v of values) {
        const c = parseCaller(v.value);
        if (c.kind === 'session') listedSessions.add(`${c.account}/${c.roleName}`);
        if (c.kind === 'root' && c.account) listedAccounts.add(c.account);
      }
      const actions = covered(s);
      if (actions.length === 0) continue;
      const conditional = (s.condition?.clauses.length ?? 0) > 0;
      for (const v of values) {
        const role = parseCaller(v.value);
        if (!namesRole(v) || listedSessions.has(`${role.account}/${role.roleName}`)) continue;
        const roleName = v.value.slice(v.value.lastIndexOf('/') + 1);
        const name = v.written ?? roleName;
        const partition = v.value.split(':')[1] ?? 'aws';
        // A reference's synthetic name is not the role's real name: say so rather than print it.
        const session = `arn:${partition}:sts::${role.account}:assumed-role/${v.written ? '<role name>' : roleName}/<session name>`;
        const grants = grantsOf(policy, v.value, actions).filter((g) => g !== s);
        const dead = grants.length
          ? ` ${grants.length === 1 ? 'Its grant in' : 'Its grants in'} ${grants.map(statementName).join(', ')} ${conditional ? 'are blocked for those actions when the conditions hold' : grants.length === 1 ? 'is dead for those actions' : 'are dead for those actions'}.`
          : '';
        const account = role.account && !listedAccounts.has(role.account) ? ` Its account's root (arn:${partition}:iam::${role.account}:root) is not listed either, and AWS may check the account first.` : '';
        out.push({
          span: v.span,
          message:
            `NotPrincipal names the role ${name}, but a role acts only through its sessions (${session}), and this Deny exempts a session only if it is listed by name: ` +
            `${name}'s own calls to ${describe(actions)} are denied${conditional ? ' when its conditions hold' : ''}.${dead}${account} ` +
            'AWS recommends "Principal": {"AWS": "*"} with "ArnNotEquals": {"aws:PrincipalArn": [...]} instead: a session\'s aws:PrincipalArn is its role\'s ARN.',
          data: { role: v.value },
        });
      }
    }
    return out;
  },
};
