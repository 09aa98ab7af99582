/** VS Code side: starts the language server and passes settings. UI that LSP lacks goes here. */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const config = vscode.workspace.getConfiguration('kmsPolicy');
  const clientOptions: LanguageClientOptions = {
    // Every JSON document is offered; the server answers only for key policies (by name, by
    // the kmsPolicy.files setting, or by content) and stays silent on everything else.
    documentSelector: [{ language: 'json' }, { language: 'jsonc' }],
    synchronize: { configurationSection: 'kmsPolicy' },
    initializationOptions: {
      settings: { files: config.get<string[]>('files', []), maxFileSize: config.get<number>('maxFileSize'), rules: config.get<Record<string, string>>('rules', {}) },
    },
  };
  client = new LanguageClient('kmsPolicy', 'KMS Key Policy', serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
