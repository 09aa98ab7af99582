/**
 * impossible-condition-value: a value a known key can never take (`aws:PrincipalType` "Root",
 * `kms:KeySpec` "RSA_1024", `aws:SecureTransport` "yes"). The evaluator decides such a clause
 * without the request (evaluate/conditionValues.ts), so what follows, a lockout or a dead grant,
 * comes out of the access rules; this rule says why, where the value is written.
 */
import { constantOutcome, impossibleValues } from '../evaluate/conditionValues';
import { whoCan } from '../evaluate/index';
import { expandAction } from '../catalog/catalog';
import type { Statement } from '../policy/model';
import type { Rule, RuleContext, RuleFinding } from './types';
import { capitalize, isAllow, statementName, stringItems } from './util';

function listed(domain: readonly string[]): string {
  const shown = domain.length > 12 ? [...domain.slice(0, 12), `${domain.length - 12} more`] : domain;
  return shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** What follows from a statement that never applies. */
function neverApplies(s: Statement, context: RuleContext): string {
  const name = statementName(s);
  if (!isAllow(s)) return `${capitalize(name)} never applies: this Deny denies nothing.`;
  const grantsPolicyChanges = stringItems(s.action).some((v) => expandAction(v.value).some((a) => a.name === 'PutKeyPolicy'));
  const locked = grantsPolicyChanges && whoCan(context.access(), 'kms:PutKeyPolicy', ['allowed', 'via-iam', 'conditional']).length === 0;
  return `${capitalize(name)} never applies: it grants nothing.` + (locked ? ' Nobody else can call kms:PutKeyPolicy, so the key is locked (see lockout).' : '');
}

export const impossibleConditionValue: Rule = {
  id: 'impossible-condition-value',
  usesAccess: true,
  defaultSeverity: 'warning',
  summary: 'A condition value its key can never take (aws:PrincipalType "Root", a KMS key spec that does not exist, a Bool that is not true or false).',
  check(policy, context) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const c of s.condition?.clauses ?? []) {
        const found = impossibleValues(c);
        if (!found) continue;
        const constant = found.all ? constantOutcome(c) : undefined;
        const then =
          constant === false
            ? ` ${neverApplies(s, context)}`
            : constant === true
              ? ` So ${c.operator.value} always holds here and limits nothing${isAllow(s) ? '' : ': this Deny applies to every request it covers'}.`
              : found.all
                ? found.op.base.negated
                  ? ` So this condition holds whenever the request has ${found.key}.`
                  : ` So this condition holds only when the request has no ${found.key}.`
                : ' That value is dead; the others still match.';
        // The consequence is said once, at the first impossible value.
        found.values.forEach((v, i) => {
          out.push({
            span: v.span,
            message: `${found.key} is never "${v.value}": its values are ${listed(found.domain)}.${i === 0 ? then : ''}`,
          });
        });
      }
    }
    return out;
  },
};
