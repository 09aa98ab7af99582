/**
 * Memory of `kms-policy check` with many domain specs: the CLI's Workspace (indexPolicies: false)
 * keeps each spec as its links alone (a few strings) and parses it again when a policy it governs
 * is checked; no spec text, spec parse or policy read from disk stays behind. The findings are the
 * editor's. (Peak RSS is measured by `npm run bench`: the "spec pairs" rows of the 100,000-file run.)
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { CurrentDocument, Workspace } from '../../server/src/service/workspace';

const N = 20;
const dir = 'file:///repo/team';
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
const disk = new Map<string, string>();
for (let i = 0; i < N; i++) {
  disk.set(`${dir}/orders${i}.kms-domain.yaml`, spec(i, i === 0 ? 'x'.repeat(200_000) : `team ${i}`));
  disk.set(`${dir}/orders${i}.key-policy.json`, policy(i));
}

/** A Workspace over `disk` as the CLI drives it (one current document), counting the reads. */
function cliWorkspace(retainIndex: boolean) {
  const reads: string[] = [];
  const current = new CurrentDocument();
  const workspace = new Workspace({
    documents: current,
    files: { readFile: (uri) => (reads.push(uri.slice(dir.length + 1)), disk.get(uri)), findFiles: () => [], listTerraform: () => [] },
    indexPolicies: retainIndex,
  });
  const check = (uri: string) => {
    current.set(uri, disk.get(uri)!);
    try {
      return workspace.check(uri, true).findings ?? [];
    } finally {
      workspace.forget(uri);
      current.clear();
    }
  };
  for (let i = 0; i < N; i++) {
    const uri = current.set(`${dir}/orders${i}.kms-domain.yaml`, disk.get(`${dir}/orders${i}.kms-domain.yaml`)!);
    workspace.changed(uri);
    current.clear();
  }
  return { workspace, check, reads };
}

const codes = (findings: readonly { code?: unknown; rule?: unknown }[]) => findings.map((f) => String(f.code ?? f.rule)).sort();

describe('the CLI keeps only what drift needs of each domain spec', () => {
  test('every indexed spec is its links: no text and no parse is held, a 200 KB spec like a small one', () => {
    const { workspace } = cliWorkspace(false);
    const indexed = workspace.domain.index.allSpecs();
    assert.equal(indexed.length, N);
    for (const s of indexed) {
      assert.equal(typeof Object.getOwnPropertyDescriptor(s, 'spec')?.get, 'function', `${s.uri}: the parse is made on demand, not kept`);
      assert.equal(workspace.domain.specText(s.uri), undefined, `${s.uri}: its text is not kept`);
      const kept = Object.entries(Object.getOwnPropertyDescriptors(s)).filter(([k]) => k !== 'spec');
      for (const [k, d] of kept) assert.ok(d.value === undefined || typeof d.value === 'string', `${k} is ${typeof d.value}`);
    }
    const big = indexed.find((s) => s.uri.endsWith('/orders0.kms-domain.yaml'))!;
    assert.equal(big.domain, 'orders0');
    assert.equal(big.policyUri, `${dir}/orders0.key-policy.json`);
  });

  test('checking a policy reads the specs that govern it and no other file, and finds the editor\'s drift', () => {
    const light = cliWorkspace(false);
    const editor = cliWorkspace(true);
    for (let i = 0; i < N; i++) {
      light.reads.length = 0;
      const uri = `${dir}/orders${i}.key-policy.json`;
      const found = light.check(uri);
      assert.deepEqual(light.reads, [`orders${i}.kms-domain.yaml`], `policy ${i}: its spec, and no other file`);
      assert.ok(found.some((f) => String((f as { code?: string }).code ?? '').startsWith('drift-')), `policy ${i} drifts from its spec (administer-resource)`);
      assert.deepEqual(codes(found), codes(editor.check(uri)), `policy ${i}: the same findings as a Workspace that keeps its specs`);
    }
  });

  test('a spec checked after the walk reads its policy again, and keeps neither', () => {
    const light = cliWorkspace(false);
    for (const i of [0, 7]) {
      light.reads.length = 0;
      const uri = `${dir}/orders${i}.kms-domain.yaml`;
      const found = light.check(uri);
      assert.deepEqual(light.reads, [`orders${i}.key-policy.json`], `spec ${i} looks at its policy`);
      assert.deepEqual(codes(found), codes(cliWorkspace(true).check(uri)));
      light.reads.length = 0;
      light.check(uri);
      assert.deepEqual(light.reads, [`orders${i}.key-policy.json`], 'read again: nothing of the policy was kept');
    }
  });
});
