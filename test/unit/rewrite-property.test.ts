/**
 * Property test: the least-privilege rewrite, judged by the evaluator, over generated broad
 * policies and capability assignments. It never widens access beyond what was asked, meets the
 * assignment exactly, never locks the key, is idempotent, and its output is clean. The policies
 * also have paths by and through AWS services (service principals with and without source
 * conditions, "*" limited to services, kms:ViaService + kms:CallerAccount paths, grants for AWS
 * resources) and some are root delegation alone (the assignment then names principals anew):
 * every such path keeps every action it had, unless the assignment drops it.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { actionsOfCapability, CAPABILITIES, expandAction, kmsActions, type Capability } from '../../server/src/core/catalog/catalog';
import { evaluate, whoCan, effectiveAccess, RESULT_RANK, type AccessResult } from '../../server/src/core/evaluate/index';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { apply } from '../../server/src/core/rewrite/edits';
import { leastPrivilegeRewrite, LockoutError, rewriteEdits, type Assignment, type Style } from '../../server/src/core/rewrite/leastPrivilege';
import { runRules } from '../../server/src/core/rules/index';
import { ACCT, capsArb, POOL, PROBES, policyArb, ROOT } from '../support/policyGen';

const SEED = Number(process.env.REWRITE_SEED ?? 20261128);
const RUNS = Number(process.env.REWRITE_RUNS ?? 1000);

const NAMES = kmsActions.map((a) => a.fullName);
const LEVEL: Record<AccessResult, number> = { allowed: 3, 'via-iam': 2, conditional: 1, 'not-allowed': 0, denied: 0 };


test(`least-privilege rewrite: ${RUNS} generated policies and assignments (seed ${SEED})`, (t) => {
  let refused = 0;
  let rewritten = 0;
  let pathsProved = 0;
  let dropped = 0;
  let aloneRewritten = 0;
  fc.assert(
    fc.property(
      policyArb,
      fc.array(capsArb, { minLength: 5, maxLength: 5 }),
      fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      fc.constantFrom<Style>('key-policy-only', 'delegate-to-iam'),
      fc.constantFrom('k9' as const, 'explicit' as const),
      fc.nat(),
      ({ text, paths }, capsList, added, style, principalForm, dropSeed) => {
        const original = parsePolicy(text);
        const named = effectiveAccess(original, { keyAccount: ACCT }).filter((p) => p.origin === 'named' && POOL.includes(p.principal)).map((p) => p.principal);
        // Named principals, and (as a user adds them, above all to a policy that names none) principals not named yet.
        const assignment: Assignment = new Map(POOL.map((p, i) => [p, new Set(capsList[i])] as [string, Set<Capability>]).filter(([p, c], i) => c.size > 0 && (named.includes(p) || added[i])));
        // Now and then the user drops one service path.
        const sids = [...paths.keys()];
        const drop = sids.length && dropSeed % 4 === 0 ? [sids[dropSeed % sids.length]] : [];
        const options = { style, principalForm, accountRoot: ROOT, dropServices: drop };
        const hasAdmin = [...assignment.values()].some((c) => c.has('administer-resource'));
        if (!hasAdmin) {
          assert.throws(() => rewriteEdits(original, assignment, options), LockoutError, 'no administrator: refused');
          refused++;
          return;
        }
        const { edits, summary, plan } = leastPrivilegeRewrite(original, assignment, options);
        const out = apply(text, edits);
        const result = parsePolicy(out);
        rewritten++;
        if (named.length === 0) aloneRewritten++;

        // Requests are judged as made directly (no kms:ViaService) and through each service a path
        // names: together they are every case, and the evaluator decides each exactly.
        const via = [...new Set(original.statements.flatMap((s) => (s.condition?.clauses ?? []).filter((c) => c.key.value === 'kms:ViaService').flatMap((c) => c.values.items.map((v) => v.value))))];
        const contexts: Record<string, string | null>[] = via.length ? [{ 'kms:ViaService': null }, ...via.map((v) => ({ 'kms:ViaService': v }))] : [{}];
        for (const principal of PROBES) {
          const asked = assignment.get(principal) ?? new Set<Capability>();
          for (const a of kmsActions) {
            const after = evaluate(result, { principal, action: a.fullName }, { keyAccount: ACCT }).result;
            // Intent: exactly the assigned capabilities are allowed directly.
            if (POOL.includes(principal)) assert.equal(after === 'allowed', asked.has(a.capability), `${principal} ${a.fullName}: ${after}, asked ${[...asked]}\n${out}`);
            for (const context of contexts) {
              const beforeHere = evaluate(original, { principal, action: a.fullName, context }, { keyAccount: ACCT }).result;
              const afterHere = evaluate(result, { principal, action: a.fullName, context }, { keyAccount: ACCT }).result;
              // No widening, except what the assignment asked and what the delegate-to-iam style delegates by definition.
              if (LEVEL[afterHere] <= LEVEL[beforeHere] || asked.has(a.capability)) continue;
              if (style === 'delegate-to-iam' && (principal === ROOT || (asked.size > 0 && afterHere === 'via-iam'))) continue;
              assert.fail(`widened ${principal} ${a.fullName} ${JSON.stringify(context)}: ${beforeHere} -> ${afterHere}\n${text}\n--->\n${out}`);
            }
          }
        }

        // Every path by or through AWS services keeps every action it had, unless dropped; a dropped one is gone, and said.
        for (const [sid, probe] of paths) {
          const statement = original.statements.find((s) => s.sid?.value === sid)!;
          const actions = kmsActions.filter((a) => statement.action!.items.some((i) => expandAction(i.value).includes(a)));
          if (drop.includes(sid)) {
            assert.ok(!result.statements.some((s) => s.sid?.value === sid), `dropped ${sid} is gone`);
            // (A path the policy's own Deny cancelled granted nothing: it is not kept, dropped or not, and said so.)
            const live = plan.dropped.some((k) => k.sid === sid);
            assert.ok(live || plan.dead.some((k) => k.sid === sid), `${sid}: dropped or dead`);
            if (live) assert.ok(summary.entries.some((e) => e.statements.includes(statement.index) && e.loses.length > 0 && e.text.includes('dropped')), `the summary says ${sid} was dropped:\n${summary.lines.join('\n')}`);
            dropped++;
            continue;
          }
          for (const a of actions) {
            const before = evaluate(original, { principal: probe.principal, action: a.fullName, context: probe.context }, { keyAccount: ACCT }).result;
            const after = evaluate(result, { principal: probe.principal, action: a.fullName, context: probe.context }, { keyAccount: ACCT }).result;
            assert.ok(RESULT_RANK[after] >= RESULT_RANK[before], `${sid} (${probe.principal} ${JSON.stringify(probe.context)}) lost ${a.fullName}: ${before} -> ${after}\n${text}\n--->\n${out}`);
          }
          if (plan.kept.some((k) => k.sid === sid)) {
            assert.ok(summary.entries.some((e) => e.statements.includes(statement.index) && e.text.includes('kept')), `the summary says ${sid} is kept`);
            pathsProved++;
          }
        }
        // Every statement the rewrite replaced is spoken for in the summary.
        for (const i of plan.replaced) assert.ok(summary.entries.some((e) => e.statements.includes(i)), `statement ${i} replaced without a word:\n${summary.lines.join('\n')}`);
        // No ARN listed twice in any principal list.
        for (const s of result.statements) {
          const lists = [...(s.principal?.entries ?? []).map((e) => e.values.items.map((v) => v.value)), ...(s.condition?.clauses ?? []).map((c) => c.values.items.map((v) => v.value))];
          for (const l of lists) assert.equal(new Set(l).size, l.length, `a value listed twice in statement ${s.sid?.value}: ${l}`);
        }
        // Sids: one statement each.
        const resultSids = result.statements.map((s) => s.sid?.value).filter(Boolean);
        assert.equal(new Set(resultSids).size, resultSids.length, `duplicate Sids: ${resultSids}`);

        assert.ok(whoCan(effectiveAccess(result, { keyAccount: ACCT }), 'kms:PutKeyPolicy').length > 0, 'someone can still call PutKeyPolicy');
        assert.equal(apply(out, rewriteEdits(result, assignment, options)), out, 'idempotent');
        // Clean output: no finding but those a kept statement already had as written (a service
        // statement without aws:SourceAccount keeps its service's access, and its warning).
        const keptSids = new Set(plan.kept.map((k) => k.sid).filter((sid): sid is string => sid !== undefined));
        const inKept = (f: { span: { start: number; end: number } }) => result.statements.some((st) => st.sid !== undefined && keptSids.has(st.sid.value) && st.span.start <= f.span.start && f.span.end <= st.span.end);
        const hadBefore = new Set(runRules(original).map((f) => `${f.code}: ${f.message}`));
        const findings = runRules(result).filter((f) => f.severity !== 'info' && !(inKept(f) && hadBefore.has(`${f.code}: ${f.message}`)));
        assert.deepEqual(findings.map((f) => `${f.code}: ${f.message}`), [], `clean output for\n${out}`);
        for (const c of CAPABILITIES) {
          const holders = [...assignment].filter(([, caps]) => caps.has(c)).map(([p]) => p);
          for (const action of actionsOfCapability(c)) assert.ok(holders.every((p) => evaluate(result, { principal: p, action: action.fullName }).result === 'allowed'));
        }
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
  assert.ok(rewritten > RUNS / 2 && refused > 0, `rewritten ${rewritten}, refused ${refused}: both paths ran`);
  t.diagnostic(`rewritten ${rewritten}, refused ${refused}, service paths proved kept ${pathsProved}, dropped ${dropped}, root-delegation-alone policies rewritten ${aloneRewritten}`);
  assert.ok(pathsProved > RUNS / 2 && dropped > 10 && aloneRewritten > 10, `service paths proved kept ${pathsProved}, dropped ${dropped}, root-delegation-alone policies rewritten ${aloneRewritten}: every kind ran`);
});
