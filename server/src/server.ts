/**
 * startServer(connection): thin LSP handlers. Each looks up the document, takes the cached
 * parse and calls the language service. No domain logic lives here.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  DocumentDiagnosticReportKind,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import type { PolicyDocument } from './core/policy/model';
import { getLanguageService, type LanguageSettings, type ServiceOptions } from './service/languageService';
import { APPLY_LEAST_PRIVILEGE, SUGGEST_REQUEST, type ApplyArgs } from './service/rewrite';

export const SERVER_NAME = 'kms-policy-language-server';

interface CacheEntry {
  version: number;
  policy: PolicyDocument;
}

export function startServer(connection: Connection, options: ServiceOptions = {}): void {
  const serviceOptions: ServiceOptions = { ...options };
  const service = getLanguageService(serviceOptions);
  const documents = new TextDocuments(TextDocument);
  /** One parse per document version, shared by every feature. Dropped when the document closes. */
  const cache = new Map<string, CacheEntry>();
  let canPullConfiguration = false;
  /** LSP 3.17 pull diagnostics when the client supports them (VS Code does); otherwise we push on every change, with no delay. */
  let pullDiagnostics = false;
  let canRefreshDiagnostics = false;

  /** Diagnostics for any open document: [] for documents that are not key policies. */
  function diagnose(document: TextDocument): Diagnostic[] {
    const policy = parsed(document);
    if (!service.isKeyPolicy(document, policy)) return [];
    return service.doValidation(document, policy);
  }

  function push(document: TextDocument): void {
    if (pullDiagnostics) return;
    const diagnostics = guard('diagnostics', diagnose)(document) ?? [];
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
  }

  function revalidateAll(): void {
    if (pullDiagnostics) {
      // Only clients that say so can be asked to pull again; the others pull on their own schedule.
      if (canRefreshDiagnostics) connection.languages.diagnostics.refresh().catch((e: unknown) => connection.console.warn(`diagnostics refresh failed: ${String(e)}`));
    }
    else documents.all().forEach(push);
  }

  function parsed(document: TextDocument): PolicyDocument | undefined {
    if (service.isTooLarge(document)) return undefined;
    const hit = cache.get(document.uri);
    if (hit && hit.version === document.version) return hit.policy;
    const policy = service.parse(document);
    cache.set(document.uri, { version: document.version, policy });
    return policy;
  }

  /** The document and its parse, if it is a key policy we serve. */
  function keyPolicy(uri: string): { document: TextDocument; policy: PolicyDocument } | undefined {
    const document = documents.get(uri);
    if (!document) return undefined;
    const policy = parsed(document);
    if (!policy || !service.isKeyPolicy(document, policy)) return undefined;
    return { document, policy };
  }

  /** A handler that logs and answers null instead of throwing, so one bad document never takes the server down. */
  function guard<P, R>(name: string, handler: (params: P) => R): (params: P) => R | null {
    return (params: P) => {
      try {
        return handler(params);
      } catch (e) {
        connection.console.error(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        return null;
      }
    };
  }

  async function pullSettings(): Promise<void> {
    if (!canPullConfiguration) return;
    try {
      const [config] = await connection.workspace.getConfiguration([{ section: 'kmsPolicy' }]);
      if (config && typeof config === 'object') {
        service.configure(config as Partial<LanguageSettings>);
        revalidateAll();
      }
    } catch (e) {
      connection.console.warn(`could not read kmsPolicy settings: ${String(e)}`);
    }
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    const init = params.initializationOptions as { settings?: Partial<LanguageSettings>; interactiveRewrite?: boolean } | undefined;
    serviceOptions.interactiveRewrite = init?.interactiveRewrite === true;
    service.configure(init?.settings ?? {}, folders);
    pullDiagnostics = params.capabilities.textDocument?.diagnostic !== undefined;
    canRefreshDiagnostics = params.capabilities.workspace?.diagnostics?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        ...(pullDiagnostics ? { diagnosticProvider: { interFileDependencies: false, workspaceDiagnostics: false } } : {}),
        completionProvider: { triggerCharacters: ['"', ':'], resolveProvider: false },
        hoverProvider: true,
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
        executeCommandProvider: { commands: [APPLY_LEAST_PRIVILEGE] },
      },
      serverInfo: { name: SERVER_NAME, version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    void pullSettings();
  });

  connection.onDidChangeConfiguration((change) => {
    const pushed = (change.settings as { kmsPolicy?: Partial<LanguageSettings> } | undefined)?.kmsPolicy;
    if (pushed) {
      service.configure(pushed);
      revalidateAll();
    }
    void pullSettings();
  });

  documents.onDidChangeContent((e) => push(e.document));
  documents.onDidClose((e) => {
    cache.delete(e.document.uri);
    if (!pullDiagnostics) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.languages.diagnostics.on((params) => {
    const document = documents.get(params.textDocument.uri);
    const items = (document && guard('diagnostics', diagnose)(document)) || [];
    return { kind: DocumentDiagnosticReportKind.Full, items };
  });

  connection.onCompletion(
    guard('completion', (params) => {
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service.doComplete(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onHover(
    guard('hover', (params) => {
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service.doHover(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onDocumentSymbol(
    guard('documentSymbol', (params) => {
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service.doDocumentSymbols(hit.document, hit.policy) : null;
    }),
  );

  connection.onCodeAction(
    guard('codeAction', (params) => {
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service.doCodeActions(hit.document, params.range, params.context, hit.policy) : null;
    }),
  );

  connection.onRequest(
    SUGGEST_REQUEST,
    guard('suggestAssignment', (params: { uri: string }) => {
      const hit = keyPolicy(params?.uri);
      return hit ? service.suggestAssignment(hit.policy) : null;
    }),
  );

  connection.onExecuteCommand(async (params) => {
    if (params.command !== APPLY_LEAST_PRIVILEGE) return { applied: false, message: `unknown command ${params.command}` };
    const args = params.arguments?.[0] as ApplyArgs | undefined;
    const hit = args && keyPolicy(args.uri);
    if (!args || !hit) return { applied: false, message: 'No open key policy for that URI.' };
    const result = guard('applyLeastPrivilege', () => service.applyLeastPrivilege(hit.document, hit.policy, args))(undefined);
    if (!result || 'error' in result) {
      const message = result?.error ?? 'The rewrite failed; see the server log.';
      void connection.window.showErrorMessage(message);
      return { applied: false, message };
    }
    const applied = await connection.workspace.applyEdit({ label: 'Rewrite to least privilege', edit: result.edit });
    return { applied: applied.applied, message: applied.failureReason };
  });

  documents.listen(connection);
  connection.listen();
}
