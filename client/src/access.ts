/**
 * The access views (issue 15): the access diff the code lens opens and the effective-access table,
 * each in a webview panel (no scripts, a strict CSP, the theme's `--vscode-*` colors), and the file's
 * text at HEAD for the server, through the built-in git extension's API.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { COMMANDS, type AccessArgs, type AccessPage, type BaseTextResult } from '../../server/src/protocol';

// ---- HEAD through the git extension (vscode.git, API version 1) --------------------------------------

interface GitRepository {
  show(ref: string, path: string): Promise<string>;
  readonly state: { readonly HEAD?: { readonly commit?: string } };
}
interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  getRepository(uri: vscode.Uri): GitRepository | null;
}
interface GitExtension {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

/** How long to wait for the git extension to find the workspace's repositories. */
const GIT_READY_MS = 5000;

async function gitApi(): Promise<GitApi | undefined> {
  const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
  if (!extension) return undefined;
  const exports = extension.isActive ? extension.exports : await extension.activate();
  if (!exports?.enabled) return undefined; // git.enabled: false
  const api = exports.getAPI(1);
  if (api.state !== 'initialized') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, GIT_READY_MS);
      const subscription = api.onDidChangeState((state) => state === 'initialized' && done());
      function done() {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      }
    });
  }
  return api;
}

/**
 * The answer to the server's `kmsPolicy/baseText`: the file at HEAD, `{}` when the repository's
 * HEAD does not have it (a new file), `null` when it is not in a repository git knows (no git, git
 * off, an untitled or virtual document): the server then compares with the version when opened.
 */
export async function headText(uriText: string): Promise<BaseTextResult | null> {
  try {
    const uri = vscode.Uri.parse(uriText);
    if (uri.scheme !== 'file') return null;
    const api = await gitApi();
    const repository = api?.getRepository(uri);
    if (!repository) return null;
    try {
      return { text: await repository.show('HEAD', uri.fsPath) };
    } catch {
      return repository.state.HEAD?.commit ? {} : null;
    }
  } catch {
    return null;
  }
}

// ---- the webview panels ---------------------------------------------------------------------------------

/** What the commands return (for scripts and the end-to-end tests). */
export interface ShownPage extends AccessPage {
  readonly viewType: string;
}

const BASE_STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 16px; }
a { color: var(--vscode-textLink-foreground); }
`;

/** The panel's document: the server's fragment under a CSP that allows no script, no network and no frame, only inline styles. */
export function pageHtml(page: AccessPage): string {
  const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; script-src 'none'; frame-src 'none'; form-action 'none'";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<style>${BASE_STYLE}</style>
</head>
<body>
${page.html}
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class AccessViews implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly client: LanguageClient) {}

  /** The access diff of a document against its base (the code lens's click; the palette: the active editor). */
  async showAccessChanges(uri?: string | vscode.Uri): Promise<ShownPage | undefined> {
    const target = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
    if (!target) return undefined;
    const page = await this.client.sendRequest<AccessPage | null>('workspace/executeCommand', { command: COMMANDS.accessDiff, arguments: [{ uri: target } satisfies AccessArgs] });
    if (!page) {
      void vscode.window.showInformationMessage('No access changes to show: this is not a KMS key policy, template or Terraform file with a key policy.');
      return undefined;
    }
    return this.show('kmsPolicy.accessChanges', page);
  }

  /** The effective-access table of the key policy at the cursor (or the document's only one). */
  async showEffectiveAccess(uri?: string | vscode.Uri): Promise<ShownPage | undefined> {
    const editor = vscode.window.activeTextEditor;
    const target = (uri ?? editor?.document.uri)?.toString();
    if (!target) return undefined;
    const position = editor && editor.document.uri.toString() === target ? editor.selection.active : undefined;
    const args: AccessArgs = { uri: target, position: position && { line: position.line, character: position.character } };
    const page = await this.client.sendRequest<AccessPage | { error: string } | null>('workspace/executeCommand', { command: COMMANDS.effectiveAccess, arguments: [args] });
    if (!page || 'error' in page) {
      void vscode.window.showInformationMessage(page?.error ?? 'No key policy here: open a KMS key policy, or a CloudFormation template or Terraform file with one.');
      return undefined;
    }
    return this.show('kmsPolicy.effectiveAccess', page);
  }

  /** One panel per view, beside the editor, reused and revealed; the editor keeps the focus. */
  private show(viewType: string, page: AccessPage): ShownPage {
    let panel = this.panels.get(viewType);
    if (panel) {
      panel.reveal(panel.viewColumn ?? vscode.ViewColumn.Beside, true);
    } else {
      panel = vscode.window.createWebviewPanel(
        viewType,
        page.title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: false, enableForms: false, enableCommandUris: false, enableFindWidget: true, localResourceRoots: [] },
      );
      const created = panel;
      created.onDidDispose(() => this.panels.get(viewType) === created && this.panels.delete(viewType));
      this.panels.set(viewType, panel);
    }
    panel.title = page.title;
    panel.webview.html = pageHtml(page);
    return { ...page, viewType };
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
    this.panels.clear();
  }
}
