import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { completionsAt, hoverTextAt, labelOf, openFixture, ourDiagnostics, positionOf, revertAndCloseAll, serverReady } from './util';

/** Completion at every given position must offer no `kms:` item. */
async function assertNoKmsItems(editor: vscode.TextEditor, positions: vscode.Position[]): Promise<void> {
  for (const position of positions) {
    const list = await completionsAt(editor.document.uri, position);
    const kms = list.items.map(labelOf).filter((l) => l.replace(/^"/, '').startsWith('kms:'));
    assert.deepEqual(kms, [], `${editor.document.uri.path}:${position.line + 1}:${position.character + 1} offered KMS items`);
  }
  // By now the server has seen the document (it answered the requests above).
  assert.deepEqual(ourDiagnostics(editor.document.uri).map((d) => d.message), [], 'diagnostics from us');
}

suite('files that are not key policies', () => {
  // The server is running and answering for key policies, so silence below means "not ours".
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('a package.json gets nothing from us', async () => {
    const editor = await openFixture('package.json');
    const document = editor.document;
    await assertNoKmsItems(editor, [
      positionOf(document, '"description": "', '"description": "'.length),
      positionOf(document, '"start"', 1),
      positionOf(document, '"dependencies": {', '"dependencies": {'.length),
    ]);
    assert.doesNotMatch(await hoverTextAt(document.uri, positionOf(document, '"name"', 2)), /read-data|Capability|KMS/);
  });

  test('an S3 bucket policy (a Statement with no kms: action) gets nothing from us', async () => {
    const editor = await openFixture('s3-bucket-policy.json');
    const document = editor.document;
    await assertNoKmsItems(editor, [positionOf(document, '"s3:Get'), positionOf(document, '["s3:GetObject"', 16)]);
    assert.doesNotMatch(await hoverTextAt(document.uri, positionOf(document, '"s3:GetObject"', 3)), /read-data|Capability|KMS/);
  });
});
