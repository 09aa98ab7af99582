/**
 * Property test: the least-privilege rewrite, judged by the evaluator, over generated broad
 * policies and capability assignments. It never widens access beyond what was asked, meets the
 * assignment exactly, never locks the key, is idempotent, and its output is clean.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { actionsOfCapability, CAPABILITIES, kmsActions, type Capability } from '../../server/src/core/catalog/catalog';
import { evaluate, whoCan, effectiveAccess, type AccessResult } from '../../server/src/core/evaluate/index';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { apply } from '../../server/src/core/rewrite/edits';
import { LockoutError, rewriteEdits, type Assignment, type Style } from '../../server/src/core/rewrite/leastPrivilege';
import { runRules } from '../../server/src/core/rules/index';

const SEED = Number(process.env.REWRITE_SEED ?? 20261128);
const RUNS = Number(process.env.REWRITE_RUNS ?? 1000);

const ACCT = '111122223333';
const ROOT = `arn:aws:iam::${ACCT}:root`;
const POOL = ['role/ci', 'role/appA', 'user/person1', 'role/worker', 'user/admin2'].map((p) => `arn:aws:iam::${ACCT}:${p}`);
const PROBES = [...POOL, ROOT, `arn:aws:iam::${ACCT}:role/someone-else`, 'arn:aws:iam::999999999999:role/outsider', 's3.amazonaws.com'];
const WILDCARDS = ['kms:*', 'kms:Generate*', 'kms:*Key*', 'kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:Re*', '*'];
const NAMES = kmsActions.map((a) => a.fullName);

const LEVEL: Record<AccessResult, number> = { allowed: 3, 'via-iam': 2, conditional: 1, 'not-allowed': 0, denied: 0 };

const principalsArb = fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 3 });
const actionsArb = fc.oneof(fc.constantFrom(...WILDCARDS), fc.uniqueArray(fc.constantFrom(...NAMES, ...WILDCARDS), { minLength: 1, maxLength: 6 }));
const allowArb = fc.record({ principals: principalsArb, actions: actionsArb, k9: fc.boolean() }).map(({ principals, actions, k9 }) =>
  k9
    ? { Effect: 'Allow', Principal: { AWS: '*' }, Action: actions, Resource: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': principals } } }
    : { Effect: 'Allow', Principal: { AWS: principals.length === 1 ? principals[0] : principals }, Action: actions, Resource: '*' },
);
const denyArb = fc.uniqueArray(fc.constantFrom(ROOT, ...POOL), { minLength: 1, maxLength: 6 }).map((exempt) => ({
  Sid: 'DenyEveryoneElse',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:*',
  Resource: '*',
  Condition: { ArnNotEquals: { 'aws:PrincipalArn': exempt }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
}));
const policyArb = fc
  .record({ root: fc.boolean(), allows: fc.array(allowArb, { minLength: 1, maxLength: 4 }), deny: fc.option(denyArb, { nil: undefined }), indent: fc.constantFrom(2, 4, '\t') })
  .map(({ root, allows, deny, indent }) => {
    const statements: object[] = [];
    if (root) statements.push({ Sid: 'RootDelegation', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' });
    statements.push(...allows.map((s, i) => ({ Sid: `Grant${i}`, ...s })));
    if (deny) statements.push(deny);
    return JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, indent);
  });
const capsArb = fc.subarray([...CAPABILITIES]);

test(`least-privilege rewrite: ${RUNS} generated policies and assignments (seed ${SEED})`, () => {
  let refused = 0;
  let rewritten = 0;
  fc.assert(
    fc.property(policyArb, fc.array(capsArb, { minLength: 5, maxLength: 5 }), fc.constantFrom<Style>('key-policy-only', 'delegate-to-iam'), fc.constantFrom('k9' as const, 'explicit' as const), (text, capsList, style, principalForm) => {
      const original = parsePolicy(text);
      const named = effectiveAccess(original, { keyAccount: ACCT }).filter((p) => p.origin === 'named' && POOL.includes(p.principal)).map((p) => p.principal);
      const assignment: Assignment = new Map(named.map((p, i) => [p, new Set(capsList[i])] as [string, Set<Capability>]).filter(([, c]) => c.size > 0));
      const options = { style, principalForm, accountRoot: ROOT };
      const hasAdmin = [...assignment.values()].some((c) => c.has('administer-resource'));
      if (!hasAdmin) {
        assert.throws(() => rewriteEdits(original, assignment, options), LockoutError, 'no administrator: refused');
        refused++;
        return;
      }
      const out = apply(text, rewriteEdits(original, assignment, options));
      const result = parsePolicy(out);
      rewritten++;

      for (const principal of PROBES) {
        const asked = assignment.get(principal) ?? new Set<Capability>();
        for (const a of kmsActions) {
          const before = evaluate(original, { principal, action: a.fullName }, { keyAccount: ACCT }).result;
          const after = evaluate(result, { principal, action: a.fullName }, { keyAccount: ACCT }).result;
          // Intent: exactly the assigned capabilities are allowed directly.
          if (POOL.includes(principal)) assert.equal(after === 'allowed', asked.has(a.capability), `${principal} ${a.fullName}: ${after}, asked ${[...asked]}`);
          // No widening, except what the assignment asked and what the delegate-to-iam style delegates by definition.
          if (LEVEL[after] <= LEVEL[before] || asked.has(a.capability)) continue;
          if (style === 'delegate-to-iam' && (principal === ROOT || (asked.size > 0 && after === 'via-iam'))) continue;
          assert.fail(`widened ${principal} ${a.fullName}: ${before} -> ${after}\n${text}\n--->\n${out}`);
        }
      }
      assert.ok(whoCan(effectiveAccess(result, { keyAccount: ACCT }), 'kms:PutKeyPolicy').length > 0, 'someone can still call PutKeyPolicy');
      assert.equal(apply(out, rewriteEdits(result, assignment, options)), out, 'idempotent');
      const findings = runRules(result).filter((f) => f.severity !== 'info');
      assert.deepEqual(findings.map((f) => `${f.code}: ${f.message}`), [], `clean output for\n${out}`);
      for (const c of CAPABILITIES) {
        const holders = [...assignment].filter(([, caps]) => caps.has(c)).map(([p]) => p);
        for (const action of actionsOfCapability(c)) assert.ok(holders.every((p) => evaluate(result, { principal: p, action: action.fullName }).result === 'allowed'));
      }
    }),
    { seed: SEED, numRuns: RUNS, verbose: 1 },
  );
  assert.ok(rewritten > RUNS / 2 && refused > 0, `rewritten ${rewritten}, refused ${refused}: both paths ran`);
});
