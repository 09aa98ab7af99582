/**
 * The answer to `initialize`: what the server offers, from the client's capabilities alone. It
 * imports no runtime code, so that server.ts can answer initialize before the language service
 * (core, catalog, schemas) is loaded.
 */
import type { InitializeParams, InitializeResult } from 'vscode-languageserver';
import { COMMANDS } from '../protocol';

export const SERVER_NAME = 'kms-policy-language-server';
export const SERVER_VERSION = '0.1.0';

/** The commands and requests the server answers (protocol.ts, shared with the client). */
export { COMMANDS };

/** LSP 3.17 pull diagnostics when the client supports them (VS Code does); otherwise the server pushes. */
export function usesPullDiagnostics(params: InitializeParams): boolean {
  return params.capabilities?.textDocument?.diagnostic !== undefined;
}

/** True when the client resolves completion documentation lazily (LSP 3.16 `completionItem.resolveSupport`; VS Code does). */
export function resolvesDocumentation(params: InitializeParams): boolean {
  return params.capabilities?.textDocument?.completion?.completionItem?.resolveSupport?.properties?.includes('documentation') === true;
}

export function initializeResult(params: InitializeParams): InitializeResult {
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: 2 /* TextDocumentSyncKind.Incremental */, save: { includeText: false } },
      ...(usesPullDiagnostics(params) ? { diagnosticProvider: { interFileDependencies: true, workspaceDiagnostics: false } } : {}),
      completionProvider: { triggerCharacters: ['"', ':'], resolveProvider: resolvesDocumentation(params) },
      hoverProvider: true,
      definitionProvider: true,
      documentSymbolProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite', 'source'] },
      codeLensProvider: { resolveProvider: false },
      executeCommandProvider: { commands: [COMMANDS.applyLeastPrivilege, COMMANDS.generateKeyPolicy, COMMANDS.createDomainSpec, COMMANDS.accessDiff, COMMANDS.effectiveAccess] },
    },
    serverInfo: { name: SERVER_NAME, version: SERVER_VERSION },
  };
}
