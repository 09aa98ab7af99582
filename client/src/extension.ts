/** VS Code side: starts the language server, passes settings, and adds the UI that LSP lacks (quick picks). */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CLIENT_COMMANDS, COMMANDS, type ApplyArgs, type CommandResult, type InitializationOptions, type ServicePath, type SuggestParams, type SuggestResult } from '../../server/src/protocol';
import { editorConventions, type ConventionsApi } from './conventions';
import { AccessViews, headText } from './access';

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
    // baseText: the server asks us for HEAD (the built-in git extension) instead of running git;
    // accessViews: its code lenses open the access diff with our command, in a webview.
    initializationOptions: { settings: settings(), interactiveRewrite: true, baseText: true, accessViews: true } satisfies InitializationOptions & { settings: unknown },
    ...conventions.clientOptions,
  };
  client = new LanguageClient('kmsPolicy', 'KMS Key Policy', serverOptions, clientOptions);
  const views = new AccessViews(client);
  context.subscriptions.push(
    client,
    views,
    client.onRequest(COMMANDS.baseText, (params: { uri: string }) => headText(params.uri)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.showAccessChanges, (uri?: string | vscode.Uri) => views.showAccessChanges(uri)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.showEffectiveAccess, (uri?: string | vscode.Uri) => views.showEffectiveAccess(uri)),
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

/** Asks, principal by principal, which capabilities each needs (pre-filled with the server's suggestion), which AWS service paths to keep, then shows what the rewrite keeps and takes away before applying it. */
async function rewriteLeastPrivilege(uri?: string): Promise<RewriteChoice | undefined> {
  const editor = vscode.window.activeTextEditor;
  const target = uri ?? editor?.document.uri.toString();
  if (!client || !target) return undefined;
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target);
  const suggestion = await client.sendRequest<SuggestResult | null>(COMMANDS.suggestAssignment, { uri: target } satisfies SuggestParams);
  if (!suggestion) {
    void vscode.window.showInformationMessage('Not a KMS key policy the rewrite can work on.');
    return undefined;
  }
  let principals = suggestion.principals;
  if (principals.length === 0) {
    // An AWS-default policy: only the account root. The user names who administers and uses the key.
    const added = await askPrincipals(suggestion.accountRoot);
    if (!added) return undefined;
    principals = added.map((principal) => ({ principal, current: [], suggested: [], reason: 'added by you' }));
  } else if (!principals.some((p) => p.suggested.includes('administer-resource'))) {
    // Nobody the policy names administers today (root delegation and application roles): ask who
    // does, rather than make an application an administrator.
    const added = await askPrincipals(suggestion.accountRoot, 'Nobody this policy names administers the key: who does?');
    if (!added) return undefined;
    principals = [...added.map((principal) => ({ principal, current: [], suggested: ['administer-resource', 'read-config'], reason: 'added by you to administer the key' })), ...principals];
  }
  const assignment: { principal: string; capabilities: string[] }[] = [];
  for (const [i, p] of principals.entries()) {
    const items = suggestion.capabilities.map((c) => ({
      label: c,
      description: CAPABILITY_HELP[c],
      detail: p.current.includes(c) ? 'holds it today' : undefined,
      picked: p.suggested.includes(c),
    }));
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: `Capabilities for ${p.principal} (${i + 1}/${principals.length})`,
      placeHolder: p.suggested.length ? `Suggested: ${p.suggested.join(', ')} (${p.reason})` : 'Pick what it needs (administer-resource for the one who manages the key)',
      ignoreFocusOut: true,
    });
    if (!picked) return undefined; // cancelled
    assignment.push({ principal: p.principal, capabilities: picked.map((x) => x.label) });
  }
  const kept = await askServicePaths(suggestion.servicePaths ?? []);
  if (!kept) return undefined;
  const styles = [
    { label: 'key-policy-only', description: 'the key policy alone decides (k9)' },
    { label: 'delegate-to-iam', description: 'root statement + DenyEveryoneElse' },
  ].sort((a) => (a.label === suggestion.style ? -1 : 1));
  const style = await vscode.window.showQuickPick(styles, { title: 'Least-privilege style', ignoreFocusOut: true });
  if (!style) return undefined;
  const args: ApplyArgs = { uri: target, version: document?.version, style: style.label as ApplyArgs['style'], assignment, dropServices: kept.dropped };
  const preview = await client.sendRequest<ApplyResult>('workspace/executeCommand', { command: COMMANDS.applyLeastPrivilege, arguments: [{ ...args, dryRun: true }] });
  if (!preview?.summary) return { ...kept.choice, applied: false, summary: [], message: preview?.message };
  if (!(await confirmSummary(preview.summary))) return { ...kept.choice, applied: false, summary: preview.summary };
  const result = await client.sendRequest<ApplyResult>('workspace/executeCommand', { command: COMMANDS.applyLeastPrivilege, arguments: [args] });
  return { ...kept.choice, applied: result?.applied === true, summary: result?.summary ?? preview.summary, message: result?.message };
}

type ApplyResult = CommandResult;

/** What the interactive rewrite did: returned by the command (for scripts and tests). */
interface RewriteChoice {
  /** The service paths as the quick pick showed them: pre-checked means kept unless unchecked. */
  servicePaths: { label: string; picked: boolean }[];
  dropped: string[];
  applied: boolean;
  summary: readonly string[];
  message?: string;
}

/** The AWS service paths the rewrite keeps, pre-checked: unchecking one drops it. */
async function askServicePaths(paths: readonly ServicePath[]): Promise<{ dropped: string[]; choice: { servicePaths: { label: string; picked: boolean }[]; dropped: string[] } } | undefined> {
  if (paths.length === 0) return { dropped: [], choice: { servicePaths: [], dropped: [] } };
  const items = paths.map((p) => ({ label: p.label, description: p.sid ? `statement ${p.sid}` : undefined, detail: `keeps ${p.actions.join(', ')} as written`, picked: true, id: p.id }));
  const shown = items.map((i) => ({ label: i.label, picked: i.picked }));
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: 'AWS service paths the rewrite keeps (uncheck to drop)',
    placeHolder: 'Services and paths through services keep working unless you uncheck them',
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  const dropped = items.filter((i) => !picked.includes(i)).map((i) => i.id);
  return { dropped, choice: { servicePaths: shown, dropped } };
}

/** Every line of the summary, then Apply / Cancel. */
async function confirmSummary(summary: readonly string[]): Promise<boolean> {
  const apply = { label: 'Apply the rewrite', description: `${summary.length} change${summary.length === 1 ? '' : 's'} below` };
  const lines = summary.map((line) => ({ label: line.includes(' loses ') || line.includes(' lose ') || line.includes('no longer') || line.includes('dropped') ? `$(warning) ${line}` : `$(check) ${line}` }));
  const picked = await vscode.window.showQuickPick([apply, { label: 'Cancel' }, { label: 'What it keeps and takes away', kind: vscode.QuickPickItemKind.Separator }, ...lines], {
    title: 'Rewrite to least privilege: what it keeps and takes away',
    ignoreFocusOut: true,
    matchOnDescription: true,
  });
  return picked === apply;
}

const ROLE_ARN = /arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+/g;

/**
 * Role ARNs found in the workspace's CloudFormation templates and Terraform files: literal ARNs,
 * and roles they declare by name (`RoleName`, `aws_iam_role` `name`) in the key's account.
 */
async function roleCandidates(accountRoot: string | undefined): Promise<string[]> {
  const account = accountRoot ? /::(\d{12}):root$/.exec(accountRoot)?.[1] : undefined;
  const found = new Set<string>();
  const files = await vscode.workspace.findFiles('**/*.{tf,yaml,yml,json,template}', '**/{node_modules,.git,.terraform,cdk.out}/**', 300);
  for (const file of files) {
    let text: string;
    try {
      const bytes = await vscode.workspace.fs.readFile(file);
      if (bytes.byteLength > 1024 * 1024) continue;
      text = new TextDecoder().decode(bytes);
    } catch {
      continue;
    }
    for (const m of text.matchAll(ROLE_ARN)) found.add(m[0]);
    if (!account) continue;
    for (const m of text.matchAll(/"?RoleName"?\s*:\s*["']?([\w+=,.@-]+)["']?\s*,?\s*$/gm)) found.add(`arn:aws:iam::${account}:role/${m[1]}`);
    for (const m of text.matchAll(/resource\s+"aws_iam_role"\s+"[^"]+"\s*\{[^}]*?\bname\s*=\s*"([\w+=,.@-]+)"/g)) found.add(`arn:aws:iam::${account}:role/${m[1]}`);
  }
  return [...found].sort();
}

/** Principals typed by the user (with completion of the workspace's role ARNs), one at a time, until Done. */
async function askPrincipals(accountRoot: string | undefined, title = 'This policy names only the account root: who administers and uses the key?'): Promise<string[] | undefined> {
  const candidates = await roleCandidates(accountRoot);
  const chosen: string[] = [];
  for (;;) {
    const pick = vscode.window.createQuickPick();
    pick.title = chosen.length ? `Principals: ${chosen.join(', ')}` : title;
    pick.placeholder = 'Type a role or user ARN, or pick one found in the workspace';
    pick.ignoreFocusOut = true;
    const done = { label: '$(check) Done', description: `${chosen.length} principal${chosen.length === 1 ? '' : 's'}` };
    const base = () => [...(chosen.length ? [done] : []), ...candidates.filter((c) => !chosen.includes(c)).map((c) => ({ label: c, description: 'found in the workspace' }))];
    pick.items = base();
    pick.onDidChangeValue((v) => {
      const typed = v.trim();
      pick.items = typed && !candidates.includes(typed) && !chosen.includes(typed) ? [{ label: typed, description: 'typed' }, ...base()] : base();
    });
    const answer = await new Promise<string | undefined>((resolve) => {
      pick.onDidAccept(() => resolve(pick.selectedItems[0]?.label ?? (pick.value.trim() || undefined)));
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
    pick.dispose();
    if (answer === undefined) return undefined;
    if (answer === done.label) return chosen;
    if (!/^arn:aws[a-z-]*:(iam|sts)::\d{12}:/.test(answer)) {
      void vscode.window.showWarningMessage(`${answer} is not a role or user ARN (arn:aws:iam::<account>:role/<name>).`);
      continue;
    }
    if (/:root$/.test(answer)) {
      void vscode.window.showWarningMessage('The account root is already in the policy: name the roles or users that administer and use the key.');
      continue;
    }
    if (!chosen.includes(answer)) chosen.push(answer);
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
