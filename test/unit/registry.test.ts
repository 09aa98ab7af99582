/** The one rule registry: every rule a row, documented on its page; one place applies severity settings, for every scope. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { RULE_TABLE, ruleRow } from '../../server/src/core/registry';
import { RULES } from '../../server/src/core/rules/index';
import { DOMAIN_RULES } from '../../server/src/core/spec/rules';
import { documentWorkspace } from '../support/workspace';

const ROOT = join(__dirname, '..', '..', '..');

describe('the rule registry', () => {
  test('every policy, IaC and spec rule is one row, with a unique id', () => {
    const ids = RULE_TABLE.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique across scopes');
    for (const r of RULES) assert.equal(ruleRow(r.id)?.scope, 'policy', r.id);
    for (const r of DOMAIN_RULES) assert.equal(ruleRow(r.id)?.scope, 'spec', r.id);
    assert.equal(ruleRow('bypass-lockout-safety-check')?.scope, 'iac');
    assert.equal(ruleRow('iac-syntax')?.scope, 'iac');
    assert.ok(ruleRow('bypass-lockout-safety-check')?.check, 'the bypass rule is a row with its check');
    for (const r of RULE_TABLE) if (r.scope === 'policy') assert.ok(r.check, `${r.id} has a check`);
  });

  test('every row is documented with a "## <id>" section of its docs page', () => {
    const sections = new Map<string, Set<string>>();
    const missing: string[] = [];
    for (const r of RULE_TABLE) {
      if (!sections.has(r.docs)) sections.set(r.docs, new Set([...readFileSync(join(ROOT, r.docs), 'utf8').matchAll(/^## (\S+)/gm)].map((m) => m[1])));
      if (!sections.get(r.docs)!.has(r.id)) missing.push(`${r.id} (${r.docs})`);
    }
    assert.deepEqual(missing, []);
  });

  test('severity settings apply to policy, IaC and spec rules alike, through the Workspace', () => {
    const service = documentWorkspace();
    const policy = TextDocument.create('file:///w/a.key-policy.json', 'json', 1, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/a"},"Action":"kms:Decrpyt","Resource":"*"}]}');
    const tf = TextDocument.create('file:///w/main.tf', 'terraform', 1, 'resource "aws_kms_key" "k" {\n  bypass_policy_lockout_safety_check = true\n  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:role/a" }, Action = "kms:*", Resource = "*" }] })\n}\n');
    const spec = TextDocument.create('file:///w/a.kms-domain.yaml', 'yaml', 1, 'domain: a\naccount: "111122223333"\nkey:\n  policy: ./missing.key-policy.json\nprincipals:\n  ci: role/ci\naccess:\n  administer-resource: [ci]\n');
    const severity = (d: TextDocument, code: string) => service.diagnostics(d).find((x) => x.code === code)?.severity;
    assert.equal(severity(policy, 'unknown-action'), 1);
    assert.equal(severity(tf, 'bypass-lockout-safety-check'), 2);
    assert.equal(severity(spec, 'spec-policy-missing'), 2);
    service.configure({ rules: { 'unknown-action': 'info', 'bypass-lockout-safety-check': 'error', 'spec-policy-missing': 'off' } });
    assert.equal(severity(TextDocument.update(policy, [], 2), 'unknown-action'), 3);
    assert.equal(severity(TextDocument.update(tf, [], 2), 'bypass-lockout-safety-check'), 1);
    assert.equal(severity(TextDocument.update(spec, [], 2), 'spec-policy-missing'), undefined);
  });
});
