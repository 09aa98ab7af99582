import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openFixture, revertAndCloseAll, ruleId, serverReady, waitForDiagnostics } from './util';

suite('key policies inside IaC', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('a CloudFormation YAML template gets diagnostics in place, at the YAML it came from', async () => {
    const editor = await openFixture('orders.template.yaml');
    const document = editor.document;
    assert.equal(document.languageId, 'yaml');
    const wanted = ['unknown-action', 'missing-deny-everyone-else', 'over-broad-grant', 'bypass-lockout-safety-check'];
    const diagnostics = await waitForDiagnostics(document.uri, (ds) => wanted.every((id) => ds.some((d) => ruleId(d) === id)), `diagnostics ${wanted.join(', ')} in the template`);
    const typo = diagnostics.find((d) => ruleId(d) === 'unknown-action')!;
    assert.equal(document.getText(typo.range), 'kms:Encrpyt');
    assert.match(typo.message, /Did you mean "kms:Encrypt"/);
    const root = diagnostics.find((d) => ruleId(d) === 'missing-deny-everyone-else')!;
    assert.equal(document.getText(root.range), '!Sub arn:aws:iam::${AWS::AccountId}:root');
    const bypass = diagnostics.find((d) => ruleId(d) === 'bypass-lockout-safety-check')!;
    assert.match(document.getText(bypass.range), /BypassPolicyLockoutSafetyCheck/);
  });
});
