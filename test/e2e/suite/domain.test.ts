import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { fixture, openFixture, revertAndCloseAll, serverReady, until } from './util';

suite('data domain specs', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('"Generate key policy from domain spec" writes the governed policy file', async () => {
    const editor = await openFixture('payments.kms-domain.yaml');
    assert.equal(editor.document.languageId, 'yaml');
    const target = fixture('payments.key-policy.json');
    await vscode.commands.executeCommand('kmsPolicy.generateKeyPolicyFromSpec');
    const document = await until(
      async () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString()) ?? (await vscode.workspace.fs.stat(target).then(() => vscode.workspace.openTextDocument(target), () => undefined)),
      (d) => d !== undefined && d.getText().length > 0,
      'the generated payments.key-policy.json',
    );
    const policy = JSON.parse(document!.getText());
    assert.deepEqual(policy.Statement.map((s: { Sid: string }) => s.Sid), ['AllowRestrictedAdministerResource', 'AllowRestrictedReadConfig', 'AllowRestrictedReadData', 'AllowRestrictedWriteData']);
    assert.deepEqual(policy.Statement[0].Condition.ArnEquals['aws:PrincipalArn'], ['arn:aws:iam::111122223333:role/ci']);
  });
});
