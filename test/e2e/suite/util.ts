/** Helpers for the end-to-end suite: fixture files, positions, and waiting on the extension and its server. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'kms-policy-tools.kms-key-policy-tools';

/** The fixture workspace (a temporary copy of test/e2e/fixtures/workspace) the editor was opened on. */
export function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the editor was opened without a workspace folder (expected a copy of test/e2e/fixtures/workspace)');
  return folder.uri;
}

export function fixture(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceFolder(), name);
}

export async function openFixture(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(fixture(name));
  return vscode.window.showTextDocument(document, { preview: false });
}

/** The position `delta` characters after the start of the first `needle` in the document (default: right after it). */
export function positionOf(document: vscode.TextDocument, needle: string, delta = needle.length): vscode.Position {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${document.uri.path}: no ${JSON.stringify(needle)} in the fixture`);
  return document.positionAt(offset + delta);
}

/**
 * Calls `probe` until `accept` holds, at most `timeoutMs`: a provider may answer before the
 * language server has seen the document. Returns the accepted value or fails with `what`.
 */
export async function until<T>(probe: () => Thenable<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let attempts = 0;
  for (;;) {
    attempts++;
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline) {
      assert.fail(`${what}: not after ${attempts} attempts in ${timeoutMs} ms; last answer: ${describe(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function describe(value: unknown): string {
  try {
    const s = JSON.stringify(value, (_k, v) => (v instanceof vscode.Range ? `${v.start.line}:${v.start.character}-${v.end.line}:${v.end.character}` : v));
    return s === undefined ? String(value) : s.length > 600 ? s.slice(0, 600) + '…' : s;
  } catch {
    return String(value);
  }
}

/**
 * Waits for the KMS extension to activate, without activating it ourselves (that is what the
 * test is about). There is no activation event in the API: isActive is polled every 25 ms.
 */
export async function waitForActivation(timeoutMs = 30_000): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed (installed: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ')})`);
  const deadline = Date.now() + timeoutMs;
  while (!extension.isActive) {
    if (Date.now() > deadline) assert.fail(`${EXTENSION_ID} did not activate within ${timeoutMs} ms of opening a key policy`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return extension;
}

export function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

export async function completionsAt(uri: vscode.Uri, position: vscode.Position): Promise<vscode.CompletionList> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
  return list ?? new vscode.CompletionList([]);
}

export async function hoverTextAt(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n---\n');
}

/** Items that come from our server: a KMS action with its capability in the detail (the JSON schema offers no such items). */
export function kmsActionItems(list: vscode.CompletionList): vscode.CompletionItem[] {
  return list.items.filter((i) => labelOf(i).startsWith('kms:') && /read-data|write-data|read-config|administer-resource|delete-data|every KMS action/.test(i.detail ?? ''));
}

let ready: Promise<void> | undefined;

/**
 * Opens the example key policy and waits until our server answers a completion in it. The
 * activation test checks the same thing step by step; other suites call this in suiteSetup so
 * they can run alone, and so a silent result of theirs means "nothing from us", not "not started".
 */
export function serverReady(): Promise<void> {
  ready ??= (async () => {
    const editor = await openFixture('orders.key-policy.json');
    await waitForActivation();
    const position = positionOf(editor.document, '"kms:GenerateDataKey*"', 1);
    await until(() => completionsAt(editor.document.uri, position), (l) => kmsActionItems(l).length > 0, 'completion from the KMS server in orders.key-policy.json');
  })();
  return ready;
}

/** Reverts every dirty document and closes all editors, so the next test (or a screenshot) starts clean. */
export async function revertAndCloseAll(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (!document.isDirty || document.isUntitled) continue;
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The `source` of our diagnostics. */
export const DIAGNOSTIC_SOURCE = 'kms-policy';

export function ourDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

/** The rule id of a diagnostic (`code` is `{ value, target }` when the server links the rule docs). */
export function ruleId(d: vscode.Diagnostic): string {
  return String(typeof d.code === 'object' && d.code !== null ? d.code.value : d.code);
}

/** Resolves with our diagnostics for `uri` as soon as `accept` holds: checked now and on every diagnostics change of that document. */
export function waitForDiagnostics(uri: vscode.Uri, accept: (ds: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 20_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let subscription: vscode.Disposable | undefined;
    const check = (): void => {
      const ds = ourDiagnostics(uri);
      if (!accept(ds)) return;
      subscription?.dispose();
      clearTimeout(timer);
      resolve(ds);
    };
    subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    timer = setTimeout(() => {
      subscription?.dispose();
      const now = ourDiagnostics(uri).map((d) => `${ruleId(d)}@${d.range.start.line + 1}:${d.range.start.character + 1}`);
      reject(new Error(`${what}: not within ${timeoutMs} ms; our diagnostics now: [${now.join(', ')}]`));
    }, timeoutMs);
    check();
  });
}
