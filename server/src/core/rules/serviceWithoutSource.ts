/**
 * service-without-source-condition: a service principal allowed to use the key with nothing that
 * says on whose behalf. A service principal (`cloudtrail.amazonaws.com`) is shared by every AWS
 * customer; without aws:SourceAccount / aws:SourceArn (or an encryption-context condition naming
 * the resource, which AWS's KMS guide recommends first), the service may use the key for a
 * resource in any account: the confused deputy. AWS's KMS developer guide ("Permissions for AWS
 * services in key policies") and the IAM guide ("The confused deputy problem") say to add them.
 */
import { expandAction, kmsActions, type KmsAction } from '../catalog/catalog';
import { ACTION_CAPABILITY } from '../catalog/capabilities';
import { parseOperator } from '../policy/operators';
import type { ConditionClause, Statement } from '../policy/model';
import type { Rule, RuleFinding } from './types';
import { capitalize, isAllow, isDeny, statementName, stringItems } from './util';

function few(items: readonly string[], n: number): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

const SOURCE_KEYS = new Set(['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths']);

/** A positive condition on whose resource the call is for: a source key, or an encryption-context value (aws:logs:arn...). */
function scopesSource(c: ConditionClause): boolean {
  const op = parseOperator(c.operator.value);
  if (!op || op.base.negated || op.base.family === 'Null') return false;
  const key = c.key.value.toLowerCase();
  return SOURCE_KEYS.has(key) || (key.startsWith('kms:encryptioncontext:') && key.length > 'kms:encryptioncontext:'.length);
}

/** A Deny that refuses calls from other sources (StringNotEquals aws:SourceAccount...) scopes every grant. */
function deniesOtherSources(s: Statement): boolean {
  return isDeny(s) && (s.condition?.clauses ?? []).some((c) => parseOperator(c.operator.value)?.base.negated === true && SOURCE_KEYS.has(c.key.value.toLowerCase()));
}

function actionsOf(s: Statement): KmsAction[] {
  if (s.action) return [...new Set(stringItems(s.action).flatMap((v) => expandAction(v.value)))];
  if (s.notAction) {
    const not = new Set(stringItems(s.notAction).flatMap((v) => expandAction(v.value)));
    return kmsActions.filter((a) => !not.has(a));
  }
  return [];
}

/** Using the key: its data capabilities, and CreateGrant (which passes that use on). */
const usesKey = (a: KmsAction) => ACTION_CAPABILITY[a.name] === 'read-data' || ACTION_CAPABILITY[a.name] === 'write-data' || a.name === 'CreateGrant';
/** What a confused deputy could be made to reveal or hand on: plaintext (Decrypt, DeriveSharedSecret) or the key's use (CreateGrant). */
const discloses = (a: KmsAction) => a.name === 'Decrypt' || a.name === 'DeriveSharedSecret' || a.name === 'CreateGrant';

export const serviceWithoutSourceCondition: Rule = {
  id: 'service-without-source-condition',
  defaultSeverity: 'info',
  summary: 'A service principal may use the key with no aws:SourceAccount / aws:SourceArn condition: open to confused-deputy use from any account.',
  check(policy) {
    const out: RuleFinding[] = [];
    if (policy.statements.some(deniesOtherSources)) return out;
    for (const s of policy.statements) {
      if (!isAllow(s)) continue;
      const services = (s.principal?.entries ?? []).filter((e) => e.type === 'Service').flatMap((e) => e.values.items.filter((v) => v.literal && v.value !== '*'));
      if (services.length === 0 || (s.condition?.clauses ?? []).some(scopesSource)) continue;
      const used = actionsOf(s).filter(usesKey);
      if (used.length === 0) continue;
      const risky = used.filter(discloses);
      // The actions that make it a warning first, so "and 3 more" never hides them.
      const list = few([...risky, ...used.filter((a) => !discloses(a))].map((a) => a.fullName), 4);
      const names = few(services.map((v) => v.written ?? v.value), 3);
      // One finding per statement, at its first service: a statement may list a service in every region.
      out.push({
          span: services[0].span,
          severity: risky.length ? 'warning' : undefined,
          message:
            `${capitalize(statementName(s))} lets ${names} call ${list} on this key for a resource in any AWS account: no aws:SourceAccount, aws:SourceArn or encryption-context condition says whose. ` +
            (risky.length
              ? `Another account's resource could have the service ${risky.some((a) => a.name === 'CreateGrant') ? 'decrypt with this key or grant its use on' : 'decrypt with this key'} (a confused deputy). `
              : "Another account's resource could have the service use this key (a confused deputy). ") +
            'Add "StringEquals": {"aws:SourceAccount": "<your account>"}, or aws:SourceArn with the resources that use the key.',
      });
    }
    return out;
  },
};
