/**
 * Acceptance: the least-privilege rewrite of every policy in the real-world corpus
 * (../shared/realworld/corpus) that names a principal, and of the AWS-default ones with an
 * assignment (as `--assign <role>=administer-resource,read-config`), in both styles. The result
 * checks clean (no finding the rewrite brought), lists no ARN twice, keeps every service path
 * (judged by the evaluator), and its summary speaks for every statement it replaced and every
 * principal that loses access. Without the corpus (test/support/realworld.ts) the test is skipped, loudly.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { expandAction, kmsActions, type Capability } from '../../server/src/core/catalog/catalog';
import { analyzeIac, classify } from '../../server/src/core/iac/index';
import { effectiveAccess, evaluate, RESULT_RANK } from '../../server/src/core/evaluate/index';
import type { PolicyDocument } from '../../server/src/core/policy/model';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { accountRootOf } from '../../server/src/core/rewrite/account';
import { apply } from '../../server/src/core/rewrite/edits';
import { leastPrivilegeRewrite, STYLES, type Assignment } from '../../server/src/core/rewrite/leastPrivilege';
import { probeOf, statementJson } from '../../server/src/core/rewrite/paths';
import { suggestAssignment, toAssignment } from '../../server/src/core/rewrite/suggest';
import { runRules } from '../../server/src/core/rules/index';
import { corpusDir, missingCorpus } from '../support/realworld';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Text without the indentation of its lines (a kept statement may move to another column). */
const flat = (t: string) => t.replace(/\n[ \t]*/g, '\n');

const ADMIN: Capability[] = ['administer-resource', 'read-config'];

/** The policy's findings (error, warning) by code and the text of the statement they are in. */
function findings(policy: PolicyDocument, host: string): Set<string> {
  const out = new Set<string>();
  for (const f of runRules(policy).filter((x) => x.severity !== 'info')) {
    const s = policy.statements.find((st) => st.span.start <= f.span.start && f.span.end <= st.span.end);
    out.add(`${f.code} @ ${s ? host.slice(s.span.start, s.span.end).trim() : '(policy)'}`);
  }
  return out;
}

const missing = missingCorpus('the rewrite of the real-world corpus');

test('the rewrite of every real-world corpus policy keeps its service paths, adds no finding, lists no ARN twice and says every removal', { skip: missing }, () => {
  const dir = join(corpusDir('the rewrite of the real-world corpus'), 'corpus');
  let rewritten = 0;
  let awsDefault = 0;
  let pathsKept = 0;
  for (const file of files(dir).sort()) {
    const text = readFileSync(file, 'utf8');
    const kind = classify(file, text);
    const policies = kind ? analyzeIac(text, kind).policies : [parsePolicy(text)];
    for (const policy of policies) {
      if (policy.fatal || policy.statements.length === 0) continue;
      const name: string = `${relative(dir, file)}${policy.embedded ? `#${policy.embedded.resource}` : ''}`;
      const root = accountRootOf(policy);
      const account = root ? /::(\d{12}):root$/.exec(root)![1] : '111122223333';
      const suggested = suggestAssignment(policy);
      const assignment = new Map(toAssignment(suggested)) as Map<string, Set<Capability>>;
      if (suggested.length === 0) awsDefault++;
      // Like --assign: the AWS-default policies, and those whose suggestion leaves nobody administering.
      if (![...assignment.values()].some((c) => c.has('administer-resource'))) assignment.set(`arn:aws:iam::${account}:role/key-admin`, new Set(ADMIN));
      for (const style of STYLES) {
        if (style === 'delegate-to-iam' && !root) continue;
        const label: string = `${name} (${style})`;
        const { edits, plan, summary } = leastPrivilegeRewrite(policy, assignment as Assignment, { style, accountRoot: root });
        const out = apply(text, edits);
        const after = kind ? analyzeIac(out, kind).policies.find((p) => p.embedded?.resource === policy.embedded?.resource) : parsePolicy(out);
        assert.ok(after && !after.fatal && after.syntaxErrors.length === 0, `${label}: the result does not parse`);
        rewritten++;

        // Clean: every finding of the result was already on a statement it keeps as written.
        const before = findings(policy, text);
        const brought = [...findings(after, out)].filter((f) => !before.has(f));
        assert.deepEqual(brought, [], `${label}: findings the rewrite brought\n${summary.lines.join('\n')}`);

        // No ARN twice in any list.
        for (const s of after.statements) {
          const lists = [...(s.principal?.entries ?? []).map((e) => e.values.items.map((v) => v.value)), ...(s.condition?.clauses ?? []).map((c) => c.values.items.map((v) => v.value))];
          for (const l of lists) assert.equal(new Set(l).size, l.length, `${label}: a value listed twice: ${l.join(', ')}`);
        }

        // Every service path keeps every action it had, and is kept as written.
        for (const path of plan.kept) {
          const s = policy.statements.find((x) => x.index === path.index)!;
          assert.ok(flat(out).includes(flat(text.slice(s.span.start, s.span.end).trim())), `${label}: statement ${path.sid ?? path.index} is not kept as written (but for its indentation)`);
          if (path.kind === 'guardrail') continue;
          const probe = probeOf(path, s, account);
          // What the path itself gives (its statement, under the policy's Denies), not what root delegation gave besides.
          const own = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: policy.statements.filter((x) => x === s || x.effect?.value === 'Deny').map(statementJson) }));
          for (const a of kmsActions.filter((x) => s.action?.items.some((i) => expandAction(i.value).includes(x)))) {
            const was = evaluate(own, { principal: probe.principal, action: a.fullName, context: probe.context }, { keyAccount: account }).result;
            const now = evaluate(after, { principal: probe.principal, action: a.fullName, context: probe.context }, { keyAccount: account }).result;
            assert.ok(RESULT_RANK[now] >= RESULT_RANK[was], `${label}: ${path.label} lost ${a.fullName} (${was} -> ${now})`);
          }
          pathsKept++;
        }

        // Every removal is said: each replaced statement, and each named principal that loses access.
        for (const i of plan.replaced) assert.ok(summary.entries.some((e) => e.statements.includes(i)), `${label}: statement ${i} replaced without a word\n${summary.lines.join('\n')}`);
        for (const p of effectiveAccess(policy).filter((x) => x.origin === 'named' && x.kind !== 'service')) {
          const lost = kmsActions.filter((a) => RESULT_RANK[evaluate(after, { principal: p.principal, action: a.fullName }).result] < RESULT_RANK[p.decisionOf(a).result] && p.decisionOf(a).result !== 'denied' && p.decisionOf(a).result !== 'not-allowed');
          if (lost.length === 0) continue;
          const said = summary.entries.some((e) => e.loses.length > 0 && (e.subject === p.principal || (p.kind === 'root' && e.subject.includes(p.account ?? '?'))));
          assert.ok(said, `${label}: ${p.principal} loses ${lost.map((a) => a.name).join(', ')} unsaid\n${summary.lines.join('\n')}`);
        }
      }
    }
  }
  assert.ok(rewritten >= 30 && awsDefault >= 10 && pathsKept >= 20, `rewritten ${rewritten}, AWS-default ${awsDefault}, service paths kept ${pathsKept}: the corpus was read`);
});
