import * as assert from 'node:assert/strict';
import { hoverTextAt, openFixture, positionOf, revertAndCloseAll, serverReady, until } from './util';

suite('hover', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('kms:Decrypt: description, capability, access level and the API reference link', async () => {
    const editor = await openFixture('orders.key-policy.json');
    const position = positionOf(editor.document, '"kms:Decrypt"', 5);
    const text = await until(() => hoverTextAt(editor.document.uri, position), (t) => t.includes('read-data'), 'our hover on kms:Decrypt');
    assert.match(text, /\*\*kms:Decrypt\*\*/);
    assert.match(text, /Capability \| `read-data`/);
    assert.match(text, /Access level \| Write/);
    assert.ok(text.includes('(https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html)'), `no API reference link in:\n${text}`);
  });

  test('kms:* says it grants administration and data access at once', async () => {
    const editor = await openFixture('orders.key-policy.json');
    const position = positionOf(editor.document, '"kms:*"', 3);
    const text = await until(() => hoverTextAt(editor.document.uri, position), (t) => t.includes('kms:*'), 'our hover on kms:*');
    assert.match(text, /grants every KMS action: key administration and data access at once/);
  });
});
