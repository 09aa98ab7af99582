/**
 * Memory of `kms-policy check` with many domain specs (cli/specs.ts): between reading a spec and
 * checking it, the CLI keeps a summary of a few strings, never the spec's parse, and it checks each
 * policy with its specs in one go, so nothing of one pair is needed once the next begins. (Peak
 * RSS is measured by `npm run bench`: the "specs" rows of the 100,000-file run.)
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readText } from '../../server/src/cli/files';
import { governedIn, SpecPass, summarizeSpec, type SpecSummary } from '../../server/src/cli/specs';

const spec = (i: number, description = `team ${i}`) => `domain: orders${i}
description: ${description}
account: "111122223333"
key:
  policy: ./orders${i}.key-policy.json
principals:
  app: role/app${i}
access:
  administer-resource: [role/admin]
  read-data: [app]
`;
const policy = (i: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'App', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::111122223333:role/app${i}` }, Action: 'kms:Decrypt', Resource: '*' }] }, null, 2);

/** Every value of a summary is a string: it holds no parse, no text, no object of the analysis. */
function assertFlat(s: SpecSummary): void {
  for (const [k, v] of Object.entries(s)) assert.ok(v === undefined || typeof v === 'string', `${k} is ${typeof v}`);
}

describe('the domain spec pass of kms-policy check keeps only what drift needs', () => {
  let dir: string;
  const N = 20;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kms-cli-specs-'));
    for (let i = 0; i < N; i++) {
      writeFileSync(join(dir, `orders${i}.kms-domain.yaml`), spec(i, i === 0 ? 'x'.repeat(200_000) : `team ${i}`));
      writeFileSync(join(dir, `orders${i}.key-policy.json`), policy(i));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a spec\'s summary is a few strings, the same size for a 200 KB spec as for a small one', () => {
    const big = summarizeSpec(join(dir, 'orders0.kms-domain.yaml'), spec(0, 'x'.repeat(200_000)), (p) => p);
    const small = summarizeSpec(join(dir, 'orders1.kms-domain.yaml'), spec(1), (p) => p);
    assertFlat(big);
    assert.equal(big.domain, 'orders0');
    assert.equal(big.policyPath, join(dir, 'orders0.key-policy.json'));
    assert.ok(JSON.stringify(big).length < 600, JSON.stringify(big));
    assert.ok(Math.abs(JSON.stringify(big).length - JSON.stringify(small).length) < 10, 'the size does not depend on the spec');
  });

  test('until they are checked, the pass holds the summaries alone', () => {
    const pass = new SpecPass(Array.from({ length: N }, (_, i) => join(dir, `orders${i}.kms-domain.yaml`)), { severities: {}, maxBytes: 1 << 21, display: (p) => p, fail: assert.fail });
    assert.equal(pass.count, N);
    const kept = pass.waiting();
    assert.equal(kept.length, N);
    kept.forEach(assertFlat);
    assert.ok(JSON.stringify(kept).length < N * 600, `${JSON.stringify(kept).length} characters for ${N} specs (one spec is 200 KB)`);
  });

  test('each policy is checked with its own specs in one go: reaching a policy reads only its specs, then they are done', () => {
    const reads: string[] = [];
    const read: typeof readText = (path, max) => (reads.push(path.slice(dir.length + 1)), readText(path, max));
    const pass = new SpecPass(Array.from({ length: N }, (_, i) => join(dir, `orders${i}.kms-domain.yaml`)), { severities: {}, maxBytes: 1 << 21, display: (p) => p, fail: assert.fail, read });
    assert.equal(reads.length, N, 'each spec read once to summarize it');
    reads.length = 0;
    // The walk reaches the policies of specs 0..9 (it parsed them itself).
    for (let i = 0; i < 10; i++) {
      const path = join(dir, `orders${i}.key-policy.json`);
      const checked = pass.checkedPolicy(path, (resource) => governedIn(path, policy(i), resource));
      assert.deepEqual(reads.splice(0), [`orders${i}.kms-domain.yaml`], `policy ${i}: its spec, and no other file`);
      assert.deepEqual(checked.specs.map((r) => r.file), [join(dir, `orders${i}.kms-domain.yaml`)]);
      assert.ok(checked.drift.some((f) => f.code.startsWith('drift-')), `policy ${i} drifts from its spec (administer-resource)`);
    }
    assert.deepEqual(pass.checkedPolicy(join(dir, 'orders3.key-policy.json'), () => assert.fail('checked twice')), { drift: [], specs: [] }, 'a pair once checked is gone');
    assert.equal(pass.waiting().length, N - 10, 'the checked specs no longer wait for their policy');
    // The rest, after the walk: each policy read, then its spec, pair after pair.
    const rest = pass.finish();
    const expected = Array.from({ length: N - 10 }, (_, k) => k + 10).sort((a, b) => (`orders${a}` < `orders${b}` ? -1 : 1)).flatMap((i) => [`orders${i}.key-policy.json`, `orders${i}.kms-domain.yaml`]);
    assert.deepEqual(reads, expected);
    assert.equal(rest.filter((r) => r.file.endsWith('.kms-domain.yaml')).length, N - 10);
    assert.equal(pass.waiting().length, 0);
  });
});
