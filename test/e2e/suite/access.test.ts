import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openFixture, positionOf, revertAndCloseAll, serverReady, until } from './util';

/** What the client's access commands return (client/src/access.ts ShownPage). */
interface ShownPage {
  title: string;
  html: string;
  markdown: string;
  viewType: string;
}

const ETL = 'arn:aws:iam::111122223333:role/etl';

/** The webview tabs open in the editor, by label. */
function webviewTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview);
}

function cell(html: string, principal: string, capability: string): string | undefined {
  const row = html.split('\n').find((l) => l.startsWith(`<tr data-principal="${principal}">`));
  return row && new RegExp(`data-capability="${capability}"[^>]*>([^<]*)`).exec(row)?.[1];
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

suite('access views', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);

  test('"Show effective access" opens a webview beside the policy with the table of its principals', async () => {
    const editor = await openFixture('orders.key-policy.json');
    editor.selection = new vscode.Selection(positionOf(editor.document, '"AllowFullAccess"'), positionOf(editor.document, '"AllowFullAccess"'));
    const page = await vscode.commands.executeCommand<ShownPage | undefined>('kmsPolicy.showEffectiveAccess');
    assert.ok(page, 'the command showed no page');
    assert.equal(page.title, 'Effective access: orders.key-policy.json');
    assert.equal(cell(page.html, 'arn:aws:iam::111122223333:role/appA', 'read-data'), 'allowed');
    assert.equal(cell(page.html, 'arn:aws:iam::111122223333:user/ci', 'administer-resource'), 'allowed');
    assert.equal(cell(page.html, 'anyone in 111122223333 through IAM', 'delete-data'), 'via IAM');
    const tab = await until(async () => webviewTabs().find((t) => t.label === page.title), (t) => t !== undefined, 'a webview tab titled like the page');
    assert.ok(tab);
    assert.notEqual(tab.group.viewColumn, vscode.window.activeTextEditor?.viewColumn, 'beside the policy');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString(), 'the policy keeps the focus');
  });

  test('in the git workspace, an edit that adds a principal shows "Compared with HEAD: +1 grant", and the lens opens the diff', async () => {
    const editor = await openFixture('services.key-policy.json');
    const document = editor.document;
    // As committed: no change, no lens (asked until the server has read HEAD through the git extension).
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual((await lenses(document.uri)).map((l) => l.command?.title), []);
    const edit = new vscode.WorkspaceEdit();
    const at = positionOf(document, '"Statement": [');
    edit.insert(document.uri, at, `\n    { "Sid": "Etl", "Effect": "Allow", "Principal": { "AWS": "${ETL}" }, "Action": "kms:Decrypt", "Resource": "*" },`);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const found = await until(() => lenses(document.uri), (ls) => ls.some((l) => l.command?.title.startsWith('Compared with')), 'the access-changes code lens after the edit');
    assert.deepEqual(found.map((l) => l.command?.title), ['Compared with HEAD: +1 grant']);
    const command = found[0].command!;
    assert.equal(command.command, 'kmsPolicy.showAccessChanges');
    const page = await vscode.commands.executeCommand<ShownPage | undefined>(command.command, ...(command.arguments ?? []));
    assert.ok(page, 'the lens command showed no page');
    assert.equal(page.title, 'Access changes: services.key-policy.json (compared with HEAD)');
    assert.ok(page.html.includes(ETL), page.html);
    assert.ok(page.html.includes('read-data'), page.html);
    await until(async () => webviewTabs().some((t) => t.label === page.title), (x) => x, 'a webview tab with the diff');
  });
});
