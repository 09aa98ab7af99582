import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openFixture, revertAndCloseAll, ruleId, serverReady, waitForDiagnostics } from './util';

/** Rule id -> the text its diagnostic underlines, in fixtures/workspace/mistakes.key-policy.json. */
const MISTAKES = new Map([
  ['unknown-action', '"kms:Encrpyt"'],
  ['duplicate-action', '"kms:Decrypt"'],
  ['resource-not-star', '"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"'],
]);

/** Findings on the broad example policy (fixtures/workspace/orders.key-policy.json): kms:* to an app role and a CI user. */
const BROAD = ['over-broad-grant', 'missing-deny-everyone-else', 'separation-of-duties'];

/** Copies `ids` first: an iterator (such as Map.keys()) would be used up by the first check. */
const hasAll = (ids: Iterable<string>) => {
  const wanted = [...ids];
  return (ds: vscode.Diagnostic[]) => wanted.every((id) => ds.some((d) => ruleId(d) === id));
};

suite('diagnostics and quick fixes', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('a broad policy gets our diagnostics, with rule ids', async () => {
    const editor = await openFixture('orders.key-policy.json');
    const diagnostics = await waitForDiagnostics(editor.document.uri, hasAll(BROAD), `diagnostics ${BROAD.join(', ')} on the broad policy`);
    const overBroad = diagnostics.find((d) => ruleId(d) === 'over-broad-grant')!;
    assert.equal(editor.document.getText(overBroad.range), '"kms:*"');
    assert.equal(overBroad.range.start.line, 22, 'on the kms:* of statement AllowFullAccess');
    assert.match(overBroad.message, /administration and data access at once/);
  });

  test('a policy with mistakes gets our diagnostics, with rule ids, ranges and rule docs', async () => {
    const editor = await openFixture('mistakes.key-policy.json');
    const document = editor.document;
    const diagnostics = await waitForDiagnostics(document.uri, hasAll(MISTAKES.keys()), `diagnostics ${[...MISTAKES.keys()].join(', ')}`);
    for (const [id, text] of MISTAKES) {
      const found = diagnostics.filter((d) => ruleId(d) === id);
      assert.equal(found.length, 1, `one ${id} diagnostic`);
      assert.equal(document.getText(found[0].range), text, `range of ${id}`);
    }
    const unknown = diagnostics.find((d) => ruleId(d) === 'unknown-action')!;
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
    assert.match(unknown.message, /Did you mean "kms:Encrypt"\?/);
    // Each code links to its rule in docs/rules.md, which ships inside the extension.
    const target = typeof unknown.code === 'object' ? unknown.code.target : undefined;
    assert.ok(target, 'the diagnostic code has no link to the rule docs');
    assert.match(target.toString(), /rules\.md#unknown-action$/);
    await vscode.workspace.fs.stat(target.with({ fragment: '' })); // throws when the file is missing
  });

  test('the offered quick fixes apply cleanly: the findings go away and the policy reads as expected', async () => {
    const editor = await openFixture('mistakes.key-policy.json');
    const document = editor.document;
    const before = document.getText();
    let diagnostics = await waitForDiagnostics(document.uri, hasAll(MISTAKES.keys()), 'the diagnostics to fix');
    const applied: string[] = [];
    for (const id of MISTAKES.keys()) {
      const d = diagnostics.find((x) => ruleId(x) === id);
      assert.ok(d, `after ${applied.join('; ')}: the ${id} diagnostic is gone already, or moved, in:\n${document.getText()}`);
      const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', document.uri, d.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
      // The command answers for the diagnostics at that range (and drops CodeAction.diagnostics).
      const fix = actions.find((a): a is vscode.CodeAction => 'edit' in a && a.isPreferred === true);
      assert.ok(fix?.edit, `no preferred quick fix for ${id} (offered: ${actions.map((a) => a.title).join('; ') || 'nothing'})`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit), `the editor refused the quick fix "${fix.title}"`);
      applied.push(`${id}: ${fix.title}`);
      const version = document.version;
      diagnostics = await waitForDiagnostics(
        document.uri,
        (ds) => document.version === version && !ds.some((x) => ruleId(x) === id),
        `the ${id} diagnostic to go away after "${fix.title}"`,
      );
      const syntax = diagnostics.find((x) => ruleId(x) === 'json-syntax');
      assert.ok(!syntax, `"${fix.title}" broke the JSON (${syntax?.message}):\n${document.getText()}`);
    }
    const expected = before
      .replace('"kms:Encrpyt"', '"kms:Encrypt"')
      .replace('"kms:Encrypt", "kms:Decrypt"]', '"kms:Encrypt"]')
      .replace(MISTAKES.get('resource-not-star')!, '"*"');
    assert.equal(document.getText(), expected);
  });
});
