/** VS Code side: starts the language server, passes settings, and adds the UI that LSP lacks (quick picks). */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CLIENT_COMMANDS, COMMANDS, type ApplyArgs, type SuggestParams, type SuggestResult } from '../../server/src/protocol';
import { editorConventions, type ConventionsApi } from './conventions';

const CAPABILITY_HELP: Record<string, string> = {
  'administer-resource': 'change the key, its policy, grants and lifecycle',
  'read-config': 'see the key configuration',
  'read-data': 'decrypt and verify',
  'write-data': 'encrypt, generate data keys, sign',
  'delete-data': 'destroy key material',
};


let client: LanguageClient | undefined;

/** The server's node flags, from the shebang of bin/kms-policy-language-server.js (set by scripts/build.mjs). */
declare const SERVER_NODE_FLAGS: string[] | undefined;
const serverNodeFlags: string[] = typeof SERVER_NODE_FLAGS === 'undefined' ? [] : SERVER_NODE_FLAGS;
declare const SERVER_ENV: Record<string, string> | undefined;
const serverEnv: Record<string, string> = typeof SERVER_ENV === 'undefined' ? {} : SERVER_ENV;

function settings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration('kmsPolicy');
  return {
    files: config.get<string[]>('files', []),
    maxFileSize: config.get<number>('maxFileSize'),
    rules: config.get<Record<string, string>>('rules', {}),
    leastPrivilege: { style: config.get<string>('leastPrivilege.style'), principalForm: config.get<string>('leastPrivilege.principalForm') },
  };
}

export async function activate(context: vscode.ExtensionContext): Promise<ConventionsApi> {
  // Restart and output commands, the status bar item, kmsPolicy.trace.server.
  const conventions = editorConventions();
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    // The same node flags as the server bin (a small young generation and old-generation growth
    // keep the peak RSS near the live heap), and no extra CA certificates (bin/server-node-flags.js).
    run: { module, transport: TransportKind.ipc, options: { execArgv: serverNodeFlags, env: serverEnv } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // Every JSON, YAML and Terraform document is offered; the server answers only for key
    // policies (by name, by the kmsPolicy.files setting, or by content) and for CloudFormation
    // templates and .tf files that hold one, and stays silent on everything else.
    documentSelector: [{ language: 'json' }, { language: 'jsonc' }, { language: 'yaml' }, { language: 'terraform' }],
    synchronize: { configurationSection: 'kmsPolicy' },
    initializationOptions: { settings: settings(), interactiveRewrite: true },
    ...conventions.clientOptions,
  };
  client = new LanguageClient('kmsPolicy', 'KMS Key Policy', serverOptions, clientOptions);
  context.subscriptions.push(
    client,
    vscode.commands.registerCommand(CLIENT_COMMANDS.rewriteLeastPrivilege, (uri?: string) => rewriteLeastPrivilege(uri)),
    // The palette passes no arguments: these give the server command the active document.
    vscode.commands.registerCommand(CLIENT_COMMANDS.generateKeyPolicyFromSpec, (uri?: vscode.Uri) => runOnDocument(COMMANDS.generateKeyPolicy, uri)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.createDomainSpecFromPolicy, (uri?: vscode.Uri) => runOnDocument(COMMANDS.createDomainSpec, uri)),
  );
  await conventions.start(context, client);
  return conventions.api;
}

async function runOnDocument(command: string, uri?: vscode.Uri): Promise<unknown> {
  const target = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
  if (!client || !target) return undefined;
  return client.sendRequest('workspace/executeCommand', { command, arguments: [{ uri: target }] });
}

/** Asks, principal by principal, which capabilities each needs (pre-filled with the server's suggestion), then applies the rewrite. */
async function rewriteLeastPrivilege(uri?: string): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const target = uri ?? editor?.document.uri.toString();
  if (!client || !target) return;
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target);
  const suggestion = await client.sendRequest<SuggestResult | null>(COMMANDS.suggestAssignment, { uri: target } satisfies SuggestParams);
  if (!suggestion || suggestion.principals.length === 0) {
    void vscode.window.showInformationMessage('No principals to assign capabilities to in this key policy.');
    return;
  }
  const assignment: { principal: string; capabilities: string[] }[] = [];
  for (const [i, p] of suggestion.principals.entries()) {
    const items = suggestion.capabilities.map((c) => ({
      label: c,
      description: CAPABILITY_HELP[c],
      detail: p.current.includes(c) ? 'holds it today' : undefined,
      picked: p.suggested.includes(c),
    }));
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: `Capabilities for ${p.principal} (${i + 1}/${suggestion.principals.length})`,
      placeHolder: `Suggested: ${p.suggested.join(', ') || 'none'} (${p.reason})`,
      ignoreFocusOut: true,
    });
    if (!picked) return; // cancelled
    assignment.push({ principal: p.principal, capabilities: picked.map((x) => x.label) });
  }
  const styles = [
    { label: 'key-policy-only', description: 'the key policy alone decides (k9)' },
    { label: 'delegate-to-iam', description: 'root statement + DenyEveryoneElse' },
  ].sort((a) => (a.label === suggestion.style ? -1 : 1));
  const style = await vscode.window.showQuickPick(styles, { title: 'Least-privilege style', ignoreFocusOut: true });
  if (!style) return;
  await client.sendRequest('workspace/executeCommand', {
    command: COMMANDS.applyLeastPrivilege,
    arguments: [{ uri: target, version: document?.version, style: style.label as ApplyArgs['style'], assignment } satisfies ApplyArgs],
  });
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
