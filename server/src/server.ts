/**
 * startServer(connection): thin LSP handlers. Each looks up the document, takes the cached
 * parse and calls the language service. No domain logic lives here.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  DocumentDiagnosticReportKind,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  FileChangeType,
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
import { CREATE_DOMAIN_SPEC, DomainWorkspace, GENERATE_KEY_POLICY } from './service/domainWorkspace';
import { analyzeIac, classify } from './core/embed/index';

/** What the server needs from the file system (given by node/main.ts; absent in a browser). */
export interface FileAccess {
  /** A file's text by URI, undefined when it does not exist or cannot be read. */
  readFile(uri: string): string | undefined;
  /** URIs of domain specs and key policies under a workspace folder (the start-up scan). */
  findFiles(folderUri: string): string[];
}

export const SERVER_NAME = 'kms-policy-language-server';

interface CacheEntry {
  version: number;
  policy: PolicyDocument;
}

export function startServer(connection: Connection, options: ServiceOptions & { domainDocsUrl?: string; files?: FileAccess } = {}): void {
  const serviceOptions: ServiceOptions = { ...options };
  const service = getLanguageService(serviceOptions);
  const documents = new TextDocuments(TextDocument);
  /** One parse per document version, shared by every feature. Dropped when the document closes. */
  const cache = new Map<string, CacheEntry>();
  /**
   * The parse cache keeps the documents used most recently. A parse (tree, model and, through the
   * evaluator's per-parse caches, effective access) is about 25 times its text, so a thousand
   * open policies would otherwise hold 75 MB; a document that has left it is parsed again when used.
   */
  const MAX_CACHED_PARSES = 32;
  let canPullConfiguration = false;
  /** LSP 3.17 pull diagnostics when the client supports them (VS Code does); otherwise we push on every change, with no delay. */
  let pullDiagnostics = false;
  let canRefreshDiagnostics = false;

  let folders: string[] = [];
  let watchDynamically = false;
  const domain = new DomainWorkspace({
    readText: (uri) => documents.get(uri)?.getText() ?? options.files?.readFile(uri),
    openPolicy: (uri) => {
      const document = documents.get(uri);
      const policy = document && parsed(document);
      return policy && service.isKeyPolicy(document, policy) ? policy : undefined;
    },
    // key.policy: file#resource, a key inside a CloudFormation template or Terraform file.
    embeddedPolicy: (uri, resource) => {
      const text = documents.get(uri)?.getText() ?? options.files?.readFile(uri);
      const kind = text === undefined ? undefined : classify(uri, text);
      return kind ? analyzeIac(text!, kind).policies.find((p) => p.embedded?.resource === resource) : undefined;
    },
  });
  // kmsPolicy.rules applies to spec and drift ids too.
  const domainSettings = () => ({ docsUrl: options.domainDocsUrl, rules: service.settings().rules });

  /** Diagnostics for any open document: [] for documents that are neither key policies nor domain specs. */
  function diagnose(document: TextDocument): Diagnostic[] {
    if (DomainWorkspace.isSpec(document.uri)) return service.isTooLarge(document) ? service.doValidation(document, undefined) : domain.validateSpec(document, domainSettings());
    const policy = parsed(document);
    if (!service.isKeyPolicy(document, policy)) return [];
    const diagnostics = service.doValidation(document, policy);
    return policy ? [...diagnostics, ...domain.validatePolicy(document, policy, domainSettings())] : diagnostics;
  }

  /** Re-diagnoses the other documents whose diagnostics depend on a file that changed (specs and the policies they govern). */
  function refresh(uris: readonly string[]): void {
    if (uris.length === 0) return;
    if (pullDiagnostics) {
      if (canRefreshDiagnostics) connection.languages.diagnostics.refresh().catch((e: unknown) => connection.console.warn(`diagnostics refresh failed: ${String(e)}`));
    } else {
      for (const uri of uris) {
        const document = documents.get(uri);
        if (document) push(document);
      }
    }
  }

  /**
   * Push mode: validate once the changes already received are applied, not on a timer. The
   * JSON-RPC queue takes one message per turn of the event loop, and an immediate set while one
   * is handled runs before the next, so one turn is not enough: this waits turn by turn while the
   * document keeps changing. A burst of changes (a paste, a fast typist on a large file) is
   * validated once, for its last version, and requests queued among them are answered first.
   */
  const due = new Set<string>();
  function push(document: TextDocument): void {
    if (pullDiagnostics) return;
    const uri = document.uri;
    if (due.has(uri)) return;
    due.add(uri);
    let seen = document.version;
    const settle = () => {
      const current = documents.get(uri);
      if (!current) return void due.delete(uri);
      if (current.version !== seen) {
        seen = current.version;
        return void setImmediate(() => setImmediate(settle));
      }
      due.delete(uri);
      const diagnostics = guard('diagnostics', diagnose)(current) ?? [];
      void connection.sendDiagnostics({ uri, version: current.version, diagnostics });
    };
    setImmediate(() => setImmediate(settle));
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
    cache.delete(document.uri); // re-inserted last: Map order is the least recently used first
    if (hit && hit.version === document.version) {
      cache.set(document.uri, hit);
      return hit.policy;
    }
    const policy = service.parse(document);
    cache.set(document.uri, { version: document.version, policy });
    if (cache.size > MAX_CACHED_PARSES) cache.delete(cache.keys().next().value!);
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

  /** A guarded request handler that honours $/cancelRequest: a request cancelled before it runs (queued behind a long analysis) is not worked on. */
  function request<P, R>(name: string, handler: (params: P) => R): (params: P, token: CancellationToken) => R | null | ResponseError<void> {
    const guarded = guard(name, handler);
    return (params, token) => (token.isCancellationRequested ? new ResponseError(LSPErrorCodes.RequestCancelled, `${name} cancelled`) : guarded(params));
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
    folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    const init = params.initializationOptions as { settings?: Partial<LanguageSettings>; interactiveRewrite?: boolean } | undefined;
    serviceOptions.interactiveRewrite = init?.interactiveRewrite === true;
    service.configure(init?.settings ?? {}, folders);
    pullDiagnostics = params.capabilities.textDocument?.diagnostic !== undefined;
    canRefreshDiagnostics = params.capabilities.workspace?.diagnostics?.refreshSupport === true;
    watchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        ...(pullDiagnostics ? { diagnosticProvider: { interFileDependencies: true, workspaceDiagnostics: false } } : {}),
        completionProvider: { triggerCharacters: ['"', ':'], resolveProvider: false },
        hoverProvider: true,
        definitionProvider: true,
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite, CodeActionKind.Source] },
        executeCommandProvider: { commands: [APPLY_LEAST_PRIVILEGE, GENERATE_KEY_POLICY, CREATE_DOMAIN_SPEC] },
      },
      serverInfo: { name: SERVER_NAME, version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    void pullSettings();
    if (watchDynamically) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.{kms-domain.yaml,kms-domain.yml,kms-domain.json,key-policy.json,kms-policy.json}' }],
      });
    }
    // The workspace index: every spec and key policy on disk (open documents update it as they change).
    guard('domain index', () => {
      const affected = new Set<string>();
      for (const folder of folders) for (const uri of options.files?.findFiles(folder) ?? []) for (const a of domain.fileChanged(uri, 'created')) affected.add(a);
      refresh([...affected]);
    })(undefined);
  });

  connection.onDidChangeWatchedFiles((params) => {
    const affected = new Set<string>();
    for (const change of params.changes) {
      const kind = change.type === FileChangeType.Deleted ? 'deleted' : change.type === FileChangeType.Created ? 'created' : 'changed';
      // An open document's text wins over the disk; its edits update the index already.
      if (documents.get(change.uri) && kind !== 'deleted') continue;
      for (const uri of guard('watched files', () => domain.fileChanged(change.uri, kind))(undefined) ?? []) affected.add(uri);
    }
    refresh([...affected]);
  });

  connection.onDidChangeConfiguration((change) => {
    const pushed = (change.settings as { kmsPolicy?: Partial<LanguageSettings> } | undefined)?.kmsPolicy;
    if (pushed) {
      service.configure(pushed);
      revalidateAll();
    }
    void pullSettings();
  });

  documents.onDidChangeContent((e) => {
    push(e.document);
    const uri = e.document.uri;
    if (DomainWorkspace.isSpec(uri) && !service.isTooLarge(e.document)) refresh(guard('domain spec', () => domain.updateSpec(uri, e.document.getText()).affected)(undefined) ?? []);
    else refresh(domain.index.governing(uri).map((s) => s.uri));
  });
  documents.onDidClose((e) => {
    cache.delete(e.document.uri);
    // Back to what is on disk (or gone, if it was never saved).
    refresh(guard('domain close', () => domain.fileChanged(e.document.uri, options.files?.readFile(e.document.uri) === undefined ? 'deleted' : 'changed'))(undefined) ?? []);
    if (!pullDiagnostics) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.languages.diagnostics.on((params, token) => {
    if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'diagnostics cancelled', { retriggerRequest: false });
    const document = documents.get(params.textDocument.uri);
    const items = (document && guard('diagnostics', diagnose)(document)) || [];
    return { kind: DocumentDiagnosticReportKind.Full, items };
  });

  /** An open domain spec document. */
  function specDocument(uri: string): TextDocument | undefined {
    const document = documents.get(uri);
    return document && DomainWorkspace.isSpec(uri) && !service.isTooLarge(document) ? document : undefined;
  }

  connection.onDefinition(
    request('definition', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain.specDefinition(spec, params.position);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? domain.policyDefinition(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onCompletion(
    request('completion', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain.complete(spec, params.position);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service.doComplete(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onHover(
    request('hover', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain.hover(spec, params.position);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service.doHover(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onDocumentSymbol(
    request('documentSymbol', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain.symbols(spec);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service.doDocumentSymbols(hit.document, hit.policy) : null;
    }),
  );

  connection.onCodeAction(
    request('codeAction', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain.specCodeActions(spec, params.range, params.context);
      const hit = keyPolicy(params.textDocument.uri);
      if (!hit) return null;
      const fromSpec = domain.policyCodeActions(hit.document, params.range, params.context, hit.policy);
      const own = service.doCodeActions(hit.document, params.range, params.context, hit.policy);
      // A governed policy is rewritten from its spec, exactly: drop the suggestion-based rewrites.
      const governed = fromSpec.some((a) => a.title.startsWith('Rewrite to least privilege (from '));
      return [...(governed ? own.filter((a) => !a.title.startsWith('Rewrite to least privilege')) : own), ...fromSpec];
    }),
  );

  connection.onRequest(
    SUGGEST_REQUEST,
    request('suggestAssignment', (params: { uri: string }) => {
      const hit = keyPolicy(params?.uri);
      return hit ? service.suggestAssignment(hit.policy) : null;
    }),
  );

  connection.onExecuteCommand(async (params) => {
    if (params.command === GENERATE_KEY_POLICY || params.command === CREATE_DOMAIN_SPEC) {
      const result = guard(params.command, () => domain.executeCommand(params.command, params.arguments))(undefined);
      if (!result || 'error' in result) {
        const message = result?.error ?? 'The command failed; see the server log.';
        void connection.window.showErrorMessage(message);
        return { applied: false, message };
      }
      if (result.unchanged) return { applied: true, uri: result.uri, message: 'Already up to date.' };
      const label = params.command === GENERATE_KEY_POLICY ? 'Generate key policy from domain spec' : 'Create domain spec from key policy';
      const applied = await connection.workspace.applyEdit({ label, edit: result.edit });
      return { applied: applied.applied, uri: result.uri, message: applied.failureReason };
    }
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
