import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openFixture, ourDiagnostics, revertAndCloseAll, ruleId, serverReady, waitForDiagnostics } from './util';

const APP = 'arn:aws:iam::111122223333:role/appA';
const CI = 'arn:aws:iam::111122223333:user/ci';

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Principal ARN -> the actions the rewritten policy allows it (k9 style: Principal "*" narrowed by aws:PrincipalArn). */
function grants(text: string): Map<string, Set<string>> {
  const policy = JSON.parse(text) as { Statement: Statement[] };
  const out = new Map<string, Set<string>>();
  for (const s of policy.Statement) {
    if (s.Effect !== 'Allow') continue;
    const arns = ([] as string[]).concat(s.Condition?.ArnEquals?.['aws:PrincipalArn'] ?? []);
    for (const arn of arns) {
      const set = out.get(arn) ?? new Set<string>();
      for (const a of ([] as string[]).concat(s.Action ?? [])) set.add(a);
      out.set(arn, set);
    }
  }
  return out;
}

/** Runs `command` and accepts every quick pick it shows, as pre-filled, until the document changes. */
async function runAcceptingQuickPicks(command: string, document: vscode.TextDocument, timeoutMs = 20_000): Promise<number> {
  const before = document.version;
  const running = vscode.commands.executeCommand(command);
  let accepted = 0;
  const deadline = Date.now() + timeoutMs;
  while (document.version === before) {
    assert.ok(Date.now() < deadline, `${command}: the document did not change within ${timeoutMs} ms (${accepted} accepts sent)`);
    // A no-op when no quick pick is open; there is no event for "a quick pick opened".
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    accepted++;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await running;
  return accepted;
}

/** Like runAcceptingQuickPicks, and returns what the command returned. */
async function runAccepting<T>(command: string, document: vscode.TextDocument, timeoutMs = 20_000): Promise<T> {
  const before = document.version;
  let done = false;
  const running = Promise.resolve(vscode.commands.executeCommand<T>(command)).finally(() => (done = true));
  const deadline = Date.now() + timeoutMs;
  while (document.version === before && !done) {
    assert.ok(Date.now() < deadline, `${command}: the document did not change within ${timeoutMs} ms`);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return running;
}

suite('least-privilege rewrite', () => {
  suiteSetup(serverReady);
  teardown(revertAndCloseAll);
  let rewritten: string | undefined;

  test('offered on a broad policy; applied, it splits the grants by capability and clears our diagnostics', async () => {
    const editor = await openFixture('orders.key-policy.json');
    const document = editor.document;
    const ds = await waitForDiagnostics(document.uri, (x) => x.some((d) => ruleId(d) === 'over-broad-grant'), 'over-broad-grant on the broad policy');
    const broad = ds.find((d) => ruleId(d) === 'over-broad-grant')!;
    const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', document.uri, broad.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Rewrite to least privilege…'), `no interactive rewrite offered: ${titles.join('; ')}`);
    const rewrite = actions.find((a): a is vscode.CodeAction => 'edit' in a && a.isPreferred === true && a.title.startsWith('Rewrite to least privilege ('));
    assert.ok(rewrite?.edit, `no preferred least-privilege rewrite with an edit: ${titles.join('; ')}`);
    assert.match(rewrite.title, /appA → read-data, write-data/);
    assert.match(rewrite.title, /ci → administer-resource, read-config/);

    assert.ok(await vscode.workspace.applyEdit(rewrite.edit), 'the editor refused the rewrite');
    const version = document.version;
    await waitForDiagnostics(document.uri, (x) => document.version === version && x.length === 0, 'no diagnostics from us after the rewrite');

    const text = document.getText();
    const byPrincipal = grants(text); // throws if the JSON is broken
    assert.deepEqual([...byPrincipal.keys()].sort(), [APP, CI].sort());
    const app = byPrincipal.get(APP)!;
    const ci = byPrincipal.get(CI)!;
    for (const a of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']) assert.ok(app.has(a), `appA lost ${a}`);
    for (const a of ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey']) assert.ok(!app.has(a), `appA still has ${a}`);
    for (const a of ['kms:PutKeyPolicy', 'kms:DescribeKey']) assert.ok(ci.has(a), `ci lost ${a}`);
    for (const a of ['kms:Decrypt', 'kms:Encrypt']) assert.ok(!ci.has(a), `ci still has ${a}`);
    assert.ok(!text.includes('"kms:*"'), 'kms:* is still granted');
    const badIndent = text.split('\n').filter((l) => l.trim() && !/^( {2})*\S/.test(l));
    assert.deepEqual(badIndent, [], 'lines not indented like the document (two spaces)');
    rewritten = text;
  });

  test('the "Rewrite to least privilege…" command, its quick picks accepted as suggested, gives the same policy', async () => {
    assert.ok(rewritten, 'needs the code action test to have run');
    const editor = await openFixture('orders.key-policy.json');
    assert.ok(!editor.document.isDirty, 'orders.key-policy.json was not reverted');
    await runAcceptingQuickPicks('kmsPolicy.rewriteLeastPrivilege', editor.document);
    assert.equal(editor.document.getText(), rewritten);
    const version = editor.document.version;
    await waitForDiagnostics(editor.document.uri, (x) => editor.document.version === version && x.length === 0, 'no diagnostics from us after the interactive rewrite');
    assert.deepEqual(ourDiagnostics(editor.document.uri), []);
  });

  test('the quick pick lists the AWS service paths pre-checked; accepted as shown, the rewrite keeps them as written', async () => {
    const editor = await openFixture('services.key-policy.json');
    const document = editor.document;
    await waitForDiagnostics(document.uri, (x) => x.some((d) => ruleId(d) === 'over-broad-grant'), 'over-broad-grant on the policy with service paths');
    const original = document.getText();
    const choice = await runAccepting<{ servicePaths: { label: string; picked: boolean }[]; dropped: string[]; applied: boolean; summary: string[] }>('kmsPolicy.rewriteLeastPrivilege', document);
    assert.deepEqual(
      choice.servicePaths,
      [
        { label: 'cloudtrail.amazonaws.com', picked: true },
        { label: 'anyone in 111122223333 through ec2.us-east-1.amazonaws.com', picked: true },
      ],
      'both service paths shown, pre-checked',
    );
    assert.deepEqual(choice.dropped, []);
    assert.equal(choice.applied, true);
    assert.ok(choice.summary.includes('cloudtrail.amazonaws.com keeps GenerateDataKey* (statement CloudTrailEncrypt, kept)'), choice.summary.join('\n'));
    const text = document.getText();
    for (const sid of ['CloudTrailEncrypt', 'ViaEbs']) {
      const start = original.lastIndexOf('{', original.indexOf(`"Sid": "${sid}"`));
      const block = original.slice(start, original.indexOf('\n    }', start) + 6);
      assert.ok(text.includes(block), `${sid} kept as written:\n${text}`);
    }
    const version = document.version;
    await waitForDiagnostics(document.uri, (x) => document.version === version && !x.some((d) => ruleId(d) === 'over-broad-grant'), 'no over-broad-grant after the rewrite');
  });
});
