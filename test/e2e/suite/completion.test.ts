import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { completionsAt, kmsActionItems, labelOf, openFixture, positionOf, revertAndCloseAll, serverReady, until } from './util';

suite('completion', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('an Action value offers the KMS actions, data first and kms:* last', async () => {
    const editor = await openFixture('edit.key-policy.json');
    const position = positionOf(editor.document, '"kms:Dec');
    const list = await until(() => completionsAt(editor.document.uri, position), (l) => kmsActionItems(l).length > 0, 'KMS actions in "kms:Dec"');
    const ours = kmsActionItems(list);
    const byLabel = new Map(ours.map((i) => [labelOf(i), i]));
    for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:*']) {
      assert.ok(byLabel.has(action), `${action} missing from ${ours.length} items: ${[...byLabel.keys()].slice(0, 10).join(', ')}…`);
    }
    assert.match(byLabel.get('kms:Decrypt')!.detail ?? '', /^read-data\b/);
    assert.match(byLabel.get('kms:PutKeyPolicy')!.detail ?? '', /^administer-resource\b/);
    const sortKey = (label: string) => byLabel.get(label)!.sortText ?? label;
    assert.ok(sortKey('kms:Decrypt') < sortKey('kms:PutKeyPolicy'), 'data actions sort before administration');
    assert.ok(ours.every((i) => labelOf(i) === 'kms:*' || (i.sortText ?? '') < sortKey('kms:*')), 'kms:* sorts last');
  });

  test('accepting kms:Decrypt in "kms:Dec" leaves exactly "kms:Decrypt" (no doubled quotes)', async () => {
    const editor = await openFixture('edit.key-policy.json');
    const document = editor.document;
    const before = document.getText();
    const position = positionOf(document, '"kms:Dec');
    const list = await until(() => completionsAt(document.uri, position), (l) => kmsActionItems(l).length > 0, 'KMS actions in "kms:Dec"');
    const item = kmsActionItems(list).find((i) => labelOf(i) === 'kms:Decrypt');
    assert.ok(item, 'no kms:Decrypt item');

    // What the editor does when the item is accepted: replace its range (the "replacing" one
    // when it has two) with its insert text, or the word at the cursor with its label.
    const range =
      item.range instanceof vscode.Range ? item.range : item.range?.replacing ?? document.getWordRangeAtPosition(position) ?? new vscode.Range(position, position);
    const applied =
      item.insertText instanceof vscode.SnippetString
        ? await editor.insertSnippet(item.insertText, range)
        : await editor.edit((edit) => edit.replace(range, typeof item.insertText === 'string' ? item.insertText : labelOf(item)));
    assert.ok(applied, 'the editor refused the edit');

    assert.equal(document.lineAt(position.line).text, '      "Action": ["kms:Decrypt"],');
    assert.equal(document.getText(), before.replace('"kms:Dec"', '"kms:Decrypt"'));
  });
});
