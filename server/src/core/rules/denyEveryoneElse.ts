/** Problems with a DenyEveryoneElse statement, reported on that statement. */
import { capitalize } from './util';
import { calledByAwsServices, expandAction, kmsActions, CAPABILITIES } from '../catalog/catalog';
import { evaluatorFor, type Decision } from '../evaluate/index';
import type { PolicyDocument, Statement } from '../policy/model';
import { parseOperator } from '../policy/operators';
import { isDenyEveryoneElse } from './access';
import type { Rule, RuleFinding } from './types';
import { keySpan, statementHead, statementName, stringItems } from './util';

function denies(policy: PolicyDocument): Statement[] {
  return policy.statements.filter(isDenyEveryoneElse);
}

export const denyEveryoneElsePartial: Rule = {
  id: 'deny-everyone-else-partial',
  defaultSeverity: 'warning',
  summary: 'The DenyEveryoneElse statement does not cover every KMS action.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of denies(policy)) {
      // A Deny scoped to calls through given services completes a DenyEveryoneElse that exempts them; it is not the one that must cover kms:*.
      if (throughServices(s)) continue;
      if (s.notAction) {
        out.push({ span: keySpan(s, 'NotAction') ?? statementHead(s), message: `${capitalize(statementName(s))} leaves the actions in NotAction open to everyone else. Deny "kms:*".` });
        continue;
      }
      const covered = new Set(stringItems(s.action).flatMap((v) => expandAction(v.value).map((a) => a.name)));
      const missing = kmsActions.filter((a) => !covered.has(a.name));
      if (missing.length === 0 || !s.action) continue;
      const caps = CAPABILITIES.filter((c) => missing.some((a) => a.capability === c));
      out.push({
        span: s.action.span,
        message: `${capitalize(statementName(s))} denies everyone else only some actions: ${missing.length} KMS actions (${caps.join(', ')}) stay open to any principal that IAM allows, for example ${missing.slice(0, 3).map((a) => a.fullName).join(', ')}. Deny "kms:*".`,
        data: { replacement: 'kms:*' },
      });
    }
    return out;
  },
};

/** A Deny that applies only to calls made through given services (a positive kms:ViaService clause). */
function throughServices(s: Statement): boolean {
  return (s.condition?.clauses ?? []).some((c) => c.key.value.toLowerCase() === 'kms:viaservice' && parseOperator(c.operator.value)?.base.negated === false);
}

const MAX_DEAD_GRANTS = 10;

/** An Allow that only works for grants for AWS resources or through an AWS service. */
function isServicePath(s: Statement | undefined): boolean {
  if (s?.effect?.value !== 'Allow') return false;
  return (s.condition?.clauses ?? []).some((c) => {
    const k = c.key.value.toLowerCase();
    const positive = parseOperator(c.operator.value)?.base.negated === false;
    return positive && (k === 'kms:viaservice' || (k === 'kms:grantisforawsresource' && c.values.items.some((v) => v.value.toLowerCase() === 'true')));
  });
}

export const denyEveryoneElseDeadGrant: Rule = {
  id: 'deny-everyone-else-dead-grant',
  usesAccess: true,
  defaultSeverity: 'warning',
  summary: 'DenyEveryoneElse denies a principal that another statement allows, so that grant has no effect.',
  check(policy, context) {
    const out: RuleFinding[] = [];
    for (const deny of denies(policy)) {
      // Only pairs this Deny decides are re-evaluated without it: a correct policy costs nothing here.
      let without: PolicyDocument | undefined;
      let checked = 0;
      for (const now of context.access()) {
        if (now.origin !== 'named') continue;
        // A pathological policy can deny thousands of named principals: the first ones make the point.
        if (out.length >= MAX_DEAD_GRANTS || checked >= MAX_DEAD_GRANTS * 2) break;
        const deniedByThis = (d: Decision) => d.result === 'denied' && d.statements.includes(deny.index);
        // Most principals get a handful of distinct decisions: look at those before any action.
        if (!now.distinctDecisions.some(deniedByThis)) continue;
        const deniedHere = kmsActions.filter((a) => deniedByThis(now.decisionOf(a)));
        checked++;
        without ??= { ...policy, statements: policy.statements.filter((s) => s !== deny) };
        const decideWithout = evaluatorFor(without, now.principal);
        const before = new Map(deniedHere.map((a) => [a.fullName, decideWithout(a)]));
        const deadWith = (level: 'allowed' | 'via-iam') => deniedHere.filter((a) => before.get(a.fullName)!.result === level);
        // Report direct grants first: they are what the author wrote for this principal.
        const direct = deadWith('allowed');
        // A principal named only in a path the carve-outs let through (grants for AWS resources, a
        // kms:ViaService path) is not expected to get IAM-granted access: denying that is the point.
        if (direct.length === 0 && now.namedIn.every((i) => isServicePath(policy.statements.find((s) => s.index === i)))) continue;
        const dead = direct.length ? direct : deadWith('via-iam');
        if (dead.length === 0) continue;
        const p = { principal: now.principal };
        const granting = before.get(dead[0].fullName)!.statements.map((i) => policy.statements.find((s) => s.index === i)).filter((s): s is Statement => s !== undefined);
        const list = (deny.condition?.clauses ?? []).find((c) => parseOperator(c.operator.value)?.base.negated && c.key.value.toLowerCase() === 'aws:principalarn');
        out.push({
          span: list?.values.span ?? keySpan(deny, 'NotPrincipal') ?? statementHead(deny),
          message: `${capitalize(statementName(deny))} denies ${p.principal}, which ${granting.length ? granting.map(statementName).join(' and ') : 'another statement'} ${direct.length ? 'allows' : 'lets IAM grant'} (${dead.length} action${dead.length === 1 ? '' : 's'}, such as ${dead[0].fullName}): that grant has no effect. Add ${p.principal} to the principals this statement exempts, or remove the grant.`,
          related: granting.map((s) => ({ span: statementHead(s), message: `allows ${p.principal}` })),
          data: { principal: p.principal },
        });
      }
    }
    return out;
  },
};

export const denyEveryoneElseCarveOuts: Rule = {
  id: 'deny-everyone-else-carve-outs',
  defaultSeverity: 'warning',
  summary: 'DenyEveryoneElse lacks the AWS-service carve-outs (aws:PrincipalIsAWSService, kms:GrantIsForAWSResource).',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of denies(policy)) {
      // A Deny of actions no AWS service ever calls (ScheduleKeyDeletion, PutKeyPolicy...) cannot break one.
      if (s.action && !stringItems(s.action).some((v) => expandAction(v.value).some(calledByAwsServices))) continue;
      const keys = new Map((s.condition?.clauses ?? []).map((c) => [c.key.value.toLowerCase(), c]));
      const span = keySpan(s, 'Condition') ?? statementHead(s);
      const service = keys.get('aws:principalisawsservice');
      if (!service || !/^Bool/.test(service.operator.value) || service.values.items[0]?.value !== 'false') {
        out.push({
          span,
          message: `${capitalize(statementName(s))} also denies AWS services that call KMS as themselves (CloudTrail, CloudWatch Logs, S3 replication...), which breaks them. Add "Bool": {"aws:PrincipalIsAWSService": "false"} to its Condition.`,
        });
      }
      const grants = keys.get('kms:grantisforawsresource');
      if (!grants) {
        out.push({
          span,
          severity: 'info',
          message: `${capitalize(statementName(s))} has no kms:GrantIsForAWSResource carve-out: EBS, RDS and other services that create grants for the principals you allow work only while those principals are exempt here. Add "BoolIfExists": {"kms:GrantIsForAWSResource": "false"} if a service creates grants for other principals.`,
        });
      } else if (grants.operator.value === 'Bool') {
        out.push({
          span: grants.operator.span,
          message: `"Bool" on kms:GrantIsForAWSResource is false whenever the key is absent, which is every request but CreateGrant, ListGrants and RevokeGrant: ${statementName(s)} then denies nothing else. Use "BoolIfExists".`,
          data: { replacement: 'BoolIfExists' },
        });
      }
    }
    return out;
  },
};
