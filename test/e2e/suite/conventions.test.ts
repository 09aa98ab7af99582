import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { completionsAt, EXTENSION_ID, hoverTextAt, kmsActionItems, labelOf, openFixture, positionOf, revertAndCloseAll, serverReady, until } from './util';

/** What the extension's activate() returns (client/src/conventions.ts ConventionsApi). */
interface Api {
  status(): { text: string; tooltip: string; error: boolean; state: string; busy: boolean; visible: boolean; starts: number };
  traceLines(): readonly string[];
}

function api(): Api {
  const extension = vscode.extensions.getExtension<Api>(EXTENSION_ID);
  assert.ok(extension?.isActive, `${EXTENSION_ID} is not active`);
  return extension.exports;
}

suite('editor conventions', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('"Restart language server" and "Show output" are commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['kmsPolicy.restartServer', 'kmsPolicy.showOutput']) assert.ok(commands.includes(id), `${id} is registered`);
    await vscode.commands.executeCommand('kmsPolicy.showOutput');
    // The output panel would stay open under the editors of the next tests and the screenshots.
    await vscode.commands.executeCommand('workbench.action.closePanel');
  });

  test('the status bar item shows the running server while a key policy is open', async () => {
    await openFixture('orders.key-policy.json');
    const status = await until(async () => api().status(), (s) => s.state === 'running' && s.visible && !s.busy, 'the status bar item says running');
    assert.match(status.text, /KMS/);
    assert.equal(status.error, false);
  });

  test('"Restart language server" starts a new server, which answers again', async () => {
    const editor = await openFixture('orders.key-policy.json');
    const before = api().status().starts;
    await vscode.commands.executeCommand('kmsPolicy.restartServer');
    const status = await until(async () => api().status(), (s) => s.starts === before + 1 && s.state === 'running', 'the server running again after the restart');
    assert.equal(status.error, false);
    const position = positionOf(editor.document, '"kms:GenerateDataKey*"', 1);
    await until(() => completionsAt(editor.document.uri, position), (l) => kmsActionItems(l).length > 0, 'completion from the restarted server');
  });

  test('kmsPolicy.trace.server alone traces the LSP messages, and "off" stops it', async () => {
    const editor = await openFixture('orders.key-policy.json');
    const position = positionOf(editor.document, '"kms:Decrypt"', 5);
    const config = vscode.workspace.getConfiguration('kmsPolicy');
    const hovers = () => api().traceLines().filter((l) => /Sending request 'textDocument\/hover/.test(l)).length;
    try {
      await config.update('trace.server', 'messages', vscode.ConfigurationTarget.Global);
      await until(
        async () => (await hoverTextAt(editor.document.uri, position), api().traceLines()),
        (lines) => lines.some((l) => /Sending request 'textDocument\/hover/.test(l)) && lines.some((l) => /Received response 'textDocument\/hover/.test(l)),
        'hover requests and responses in the trace',
      );
    } finally {
      await config.update('trace.server', undefined, vscode.ConfigurationTarget.Global);
    }
    // Once the trace is off, a hover adds no line (the setting reaches the client through an event: wait until a hover adds none).
    await until(
      async () => {
        const seen = hovers();
        await hoverTextAt(editor.document.uri, position);
        return hovers() - seen;
      },
      (added) => added === 0,
      'no trace after kmsPolicy.trace.server is off',
    );
  });

  test('completion documentation arrives through completionItem/resolve', async () => {
    const editor = await openFixture('orders.key-policy.json');
    const position = positionOf(editor.document, '"kms:GenerateDataKey*"', 1);
    // Asking VS Code to resolve the first 100 items, as it resolves the one the user selects.
    const list = await until(
      async () => (await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, position, undefined, 100)) ?? new vscode.CompletionList([]),
      (l) => kmsActionItems(l).length > 0,
      'completion from the KMS server',
    );
    const encrypt = kmsActionItems(list).find((i) => labelOf(i) === 'kms:Encrypt');
    assert.ok(encrypt, 'kms:Encrypt is offered');
    const doc = typeof encrypt.documentation === 'string' ? encrypt.documentation : encrypt.documentation?.value;
    assert.match(doc ?? '', /\*\*kms:Encrypt\*\*/, 'its documentation, resolved');
  });
});
