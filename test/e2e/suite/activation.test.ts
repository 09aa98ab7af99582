import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, completionsAt, kmsActionItems, openFixture, positionOf, until, waitForActivation } from './util';

suite('activation', () => {
  test('the extension activates when a key policy opens, and its server answers', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);

    const editor = await openFixture('orders.key-policy.json');
    assert.equal(editor.document.languageId, 'json');
    await waitForActivation();

    const position = positionOf(editor.document, '"kms:GenerateDataKey*"', 1);
    const list = await until(
      () => completionsAt(editor.document.uri, position),
      (l) => kmsActionItems(l).length > 0,
      'completion from the KMS language server after activation',
    );
    const ours = kmsActionItems(list);
    assert.ok(ours.length >= 40, `expected the whole KMS action catalog, got ${ours.length} items`);
  });
});
