/**
 * startServer(connection): thin LSP handlers. Each looks up the document, takes the cached
 * parse and calls the language service. No domain logic lives here.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DidChangeWatchedFilesNotification,
  DocumentDiagnosticReportKind,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  FileChangeType,
  TextDocuments,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import type { PolicyDocument } from './core/policy/model';
import type * as ServiceModule from './service/languageService';
import type { LanguageService, LanguageSettings, ServiceOptions } from './service/languageService';
import type { ApplyArgs } from './service/rewrite';
import type { DomainWorkspace } from './service/domainWorkspace';
import { COMMANDS, initializeResult, SERVER_NAME, usesPullDiagnostics } from './node/initialize';

export { COMMANDS, SERVER_NAME };

/**
 * Everything but the LSP shell (the language service, core, the catalog, yaml, the domain
 * workspace), loaded on first use: initialize does not need it, and a server that is never sent a
 * key policy never loads it. The bundle (scripts/build.mjs) ships it as its own file.
 */
let serviceModule: typeof ServiceModule | undefined;
function load(): typeof ServiceModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (serviceModule ??= require('./service/languageService') as typeof ServiceModule);
}

/**
 * Long analyses run in slices of about this many milliseconds, with a turn of the event loop in
 * between, so `$/cancelRequest` and newer edits are read while they run. A typical key policy is
 * analyzed within one slice: it never waits for the event loop.
 */
const SLICE_MS = 8;

/** What the server needs from the file system (given by node/main.ts; absent in a browser). */
export interface FileAccess {
  /** A file's text by URI, undefined when it does not exist or cannot be read. */
  readFile(uri: string): string | undefined;
  /** URIs of domain specs and key policies under a workspace folder (the start-up scan). */
  findFiles(folderUri: string): string[];
}

interface CacheEntry {
  version: number;
  policy: PolicyDocument;
}

/**
 * Above this many characters, a document's previous parse is collected before it is parsed again.
 * A full GC takes 20-35 ms with a 1 MB document open, within its 250 ms edit budget; a burst of
 * edits is parsed once (push coalesces them, pull asks for the last version).
 */
const COLLECT_BEFORE_REPARSE = 256 * 1024;

export interface ServerOptions extends ServiceOptions {
  domainDocsUrl?: string;
  files?: FileAccess;
  /** A full garbage collection (node's `gc` under --expose-gc), if the process has one. */
  collectGarbage?: () => void;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const serviceOptions: ServiceOptions = { ...options };
  const documents = new TextDocuments(TextDocument);
  /** One parse per document version, shared by every feature. Dropped when the document closes. */
  const cache = new Map<string, CacheEntry>();
  /**
   * The parse cache keeps the documents used most recently. A parse (model and, through the
   * evaluator's per-parse caches, effective access) of a 3 KB policy is about 30 times its text,
   * so a thousand open policies would otherwise hold 90 MB; a document that has left it is parsed
   * again when used.
   */
  const MAX_CACHED_PARSES = 32;
  /** Past this many characters in all, the cache keeps only the parse in use: one parse of a 1 MB document is 9 MB. */
  const MAX_CACHED_TEXT = 256 * 1024;
  let canPullConfiguration = false;
  /** LSP 3.17 pull diagnostics when the client supports them (VS Code does); otherwise we push on every change, with no delay. */
  let pullDiagnostics = false;
  let canRefreshDiagnostics = false;

  let folders: string[] = [];
  let watchDynamically = false;

  /** The language service, created on first use; settings received before are applied then. */
  let languageService: LanguageService | undefined;
  const pendingSettings: [Partial<LanguageSettings>, readonly string[] | undefined][] = [];
  function service(): LanguageService {
    if (!languageService) {
      languageService = load().getLanguageService(serviceOptions);
      for (const [settings, workspaceFolders] of pendingSettings.splice(0)) languageService.configure(settings, workspaceFolders);
    }
    return languageService;
  }
  function configure(settings: Partial<LanguageSettings>, workspaceFolders?: readonly string[]): void {
    if (languageService) languageService.configure(settings, workspaceFolders);
    else pendingSettings.push([settings, workspaceFolders]);
  }

  let domainWorkspace: DomainWorkspace | undefined;
  function domain(): DomainWorkspace {
    return (domainWorkspace ??= new (load().DomainWorkspace)({
      readText: (uri) => documents.get(uri)?.getText() ?? options.files?.readFile(uri),
      openPolicy: (uri) => {
        const document = documents.get(uri);
        const policy = document && parsed(document);
        return policy && service().isKeyPolicy(document, policy) ? policy : undefined;
      },
      // key.policy: file#resource, a key inside a CloudFormation template or Terraform file.
      embeddedPolicy: (uri, resource) => {
        const text = documents.get(uri)?.getText() ?? options.files?.readFile(uri);
        const { classify, analyzeIac } = load();
        const kind = text === undefined ? undefined : classify(uri, text);
        return kind ? analyzeIac(text!, kind).policies.find((p) => p.embedded?.resource === resource) : undefined;
      },
    }));
  }
  const isSpec = (uri: string) => load().DomainWorkspace.isSpec(uri);
  // kmsPolicy.rules applies to spec and drift ids too.
  const domainSettings = () => ({ docsUrl: options.domainDocsUrl, rules: service().settings().rules });

  /**
   * Diagnostics for any open document ([] for documents that are neither key policies nor domain
   * specs), one slice at a time: the generator yields between rules. Only key policies yield; IaC
   * templates and domain specs are analyzed in one go (their analysis is per embedded policy).
   */
  function* diagnoseSteps(document: TextDocument): Generator<void, Diagnostic[], void> {
    const svc = service();
    if (isSpec(document.uri)) return svc.isTooLarge(document) ? svc.doValidation(document, undefined) : domain().validateSpec(document, domainSettings());
    const policy = parsed(document);
    if (!svc.isKeyPolicy(document, policy)) return [];
    yield; // the parse of a large document is one long step: look at the queue before the rules
    const diagnostics = yield* svc.validationSteps(document, policy);
    if (!policy) return diagnostics;
    const drift = domain().validatePolicy(document, policy, domainSettings());
    return drift.length ? [...diagnostics, ...drift] : diagnostics;
  }

  /**
   * Runs diagnoseSteps for the document's current version in slices of SLICE_MS, checking
   * `abandoned` between slices. When the document changes under it, the run starts again on the
   * new version (positions are computed from the live document). Resolves undefined when
   * abandoned or closed, and with no diagnostics when the analysis failed (logged).
   */
  async function diagnoseSliced(uri: string, abandoned: (version: number) => boolean): Promise<{ version: number; diagnostics: Diagnostic[] } | undefined> {
    for (;;) {
      const document = documents.get(uri);
      if (!document || abandoned(document.version)) return undefined;
      const version = document.version;
      let steps: Generator<void, Diagnostic[], void> | undefined;
      try {
        steps = diagnoseSteps(document);
        let slice = performance.now();
        for (;;) {
          const step = steps.next();
          if (step.done) return { version, diagnostics: step.value };
          if (performance.now() - slice < SLICE_MS) continue;
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
          if (documents.get(uri) !== document || abandoned(version)) return undefined;
          if (document.version !== version) break; // changed: start again on the new text
        }
      } catch (e) {
        connection.console.error(`diagnostics failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        return { version, diagnostics: [] };
      } finally {
        steps?.return([]);
      }
    }
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
   * A long analysis runs in slices and is abandoned when a newer version arrives (that version
   * has its own run queued) or the document closes.
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
      void diagnoseSliced(uri, (version) => due.has(uri) || documents.get(uri)?.version !== version).then((result) => {
        if (result && documents.get(uri)?.version === result.version) void connection.sendDiagnostics({ uri, version: result.version, diagnostics: result.diagnostics });
      });
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
    const svc = service();
    if (svc.isTooLarge(document)) return undefined;
    const uri = document.uri;
    const hit = cache.get(uri);
    cache.delete(uri); // re-inserted last: Map order is the least recently used first
    if (hit && hit.version === document.version) {
      cache.set(uri, hit);
      return hit.policy;
    }
    // The previous parse is garbage from here: nothing may hold it while the new one is built.
    if (hit) (hit as Partial<CacheEntry>).policy = undefined;
    // A large document's previous parse and text are most of the heap: collected now, before the
    // new parse is built, the heap never holds both (10 MB less peak RSS with a 1 MB document).
    if (hit && options.collectGarbage && document.getText().length > COLLECT_BEFORE_REPARSE) options.collectGarbage();
    const policy = svc.parse(document);
    cache.set(uri, { version: document.version, policy });
    let text = 0;
    for (const entry of cache.values()) text += entry.policy.text.length;
    while (cache.size > MAX_CACHED_PARSES || (cache.size > 1 && text > MAX_CACHED_TEXT)) {
      const [oldest, entry] = cache.entries().next().value!;
      text -= entry.policy.text.length;
      cache.delete(oldest);
    }
    return policy;
  }

  /** The document and its parse, if it is a key policy we serve. */
  function keyPolicy(uri: string): { document: TextDocument; policy: PolicyDocument } | undefined {
    const document = documents.get(uri);
    if (!document) return undefined;
    const policy = parsed(document);
    if (!policy || !service().isKeyPolicy(document, policy)) return undefined;
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
        configure(config as Partial<LanguageSettings>);
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
    configure(init?.settings ?? {}, folders);
    pullDiagnostics = usesPullDiagnostics(params);
    canRefreshDiagnostics = params.capabilities.workspace?.diagnostics?.refreshSupport === true;
    watchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return initializeResult(params);
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
      for (const folder of folders) for (const uri of options.files?.findFiles(folder) ?? []) for (const a of domain().fileChanged(uri, 'created')) affected.add(a);
      refresh([...affected]);
    })(undefined);
  });

  connection.onDidChangeWatchedFiles((params) => {
    const affected = new Set<string>();
    for (const change of params.changes) {
      const kind = change.type === FileChangeType.Deleted ? 'deleted' : change.type === FileChangeType.Created ? 'created' : 'changed';
      // An open document's text wins over the disk; its edits update the index already.
      if (documents.get(change.uri) && kind !== 'deleted') continue;
      for (const uri of guard('watched files', () => domain().fileChanged(change.uri, kind))(undefined) ?? []) affected.add(uri);
    }
    refresh([...affected]);
  });

  connection.onDidChangeConfiguration((change) => {
    const pushed = (change.settings as { kmsPolicy?: Partial<LanguageSettings> } | undefined)?.kmsPolicy;
    if (pushed) {
      configure(pushed);
      revalidateAll();
    }
    void pullSettings();
  });

  documents.onDidChangeContent((e) => {
    push(e.document);
    const uri = e.document.uri;
    guard('domain update', () => {
      if (isSpec(uri) && !service().isTooLarge(e.document)) refresh(guard('domain spec', () => domain().updateSpec(uri, e.document.getText()).affected)(undefined) ?? []);
      else refresh(domain().index.governing(uri).map((s) => s.uri));
    })(undefined);
  });
  documents.onDidClose((e) => {
    const entry = cache.get(e.document.uri);
    if (entry) (entry as Partial<CacheEntry>).policy = undefined;
    cache.delete(e.document.uri);
    // Back to what is on disk (or gone, if it was never saved).
    refresh(guard('domain close', () => domain().fileChanged(e.document.uri, options.files?.readFile(e.document.uri) === undefined ? 'deleted' : 'changed'))(undefined) ?? []);
    if (!pullDiagnostics) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  // Pull diagnostics: a long analysis runs in slices and answers RequestCancelled as soon as it
  // sees $/cancelRequest between two of them.
  connection.languages.diagnostics.on(async (params, token) => {
    const cancelled = () => new ResponseError(LSPErrorCodes.RequestCancelled, 'diagnostics cancelled', { retriggerRequest: false });
    if (token.isCancellationRequested) return cancelled();
    const uri = params.textDocument.uri;
    if (!documents.get(uri)) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    const result = await diagnoseSliced(uri, () => token.isCancellationRequested);
    if (token.isCancellationRequested) return cancelled();
    return { kind: DocumentDiagnosticReportKind.Full, items: result?.diagnostics ?? [] };
  });

  /** An open domain spec document. */
  function specDocument(uri: string): TextDocument | undefined {
    const document = documents.get(uri);
    return document && isSpec(uri) && !service().isTooLarge(document) ? document : undefined;
  }

  connection.onDefinition(
    request('definition', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain().specDefinition(spec, params.position);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? domain().policyDefinition(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onCompletion(
    request('completion', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain().complete(spec, params.position);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service().doComplete(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onHover(
    request('hover', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain().hover(spec, params.position);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service().doHover(hit.document, params.position, hit.policy) : null;
    }),
  );

  connection.onDocumentSymbol(
    request('documentSymbol', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain().symbols(spec);
      const hit = keyPolicy(params.textDocument.uri);
      return hit ? service().doDocumentSymbols(hit.document, hit.policy) : null;
    }),
  );

  connection.onCodeAction(
    request('codeAction', (params) => {
      const spec = specDocument(params.textDocument.uri);
      if (spec) return domain().specCodeActions(spec, params.range, params.context);
      const hit = keyPolicy(params.textDocument.uri);
      if (!hit) return null;
      const fromSpec = domain().policyCodeActions(hit.document, params.range, params.context, hit.policy);
      const own = service().doCodeActions(hit.document, params.range, params.context, hit.policy);
      // A governed policy is rewritten from its spec, exactly: drop the suggestion-based rewrites.
      const governed = fromSpec.some((a) => a.title.startsWith('Rewrite to least privilege (from '));
      return [...(governed ? own.filter((a) => !a.title.startsWith('Rewrite to least privilege')) : own), ...fromSpec];
    }),
  );

  connection.onRequest(
    COMMANDS.suggestAssignment,
    request('suggestAssignment', (params: { uri: string }) => {
      const hit = keyPolicy(params?.uri);
      return hit ? service().suggestAssignment(hit.policy) : null;
    }),
  );

  connection.onExecuteCommand(async (params) => {
    if (params.command === COMMANDS.generateKeyPolicy || params.command === COMMANDS.createDomainSpec) {
      const result = guard(params.command, () => domain().executeCommand(params.command, params.arguments))(undefined);
      if (!result || 'error' in result) {
        const message = result?.error ?? 'The command failed; see the server log.';
        void connection.window.showErrorMessage(message);
        return { applied: false, message };
      }
      if (result.unchanged) return { applied: true, uri: result.uri, message: 'Already up to date.' };
      const label = params.command === COMMANDS.generateKeyPolicy ? 'Generate key policy from domain spec' : 'Create domain spec from key policy';
      const applied = await connection.workspace.applyEdit({ label, edit: result.edit });
      return { applied: applied.applied, uri: result.uri, message: applied.failureReason };
    }
    if (params.command !== COMMANDS.applyLeastPrivilege) return { applied: false, message: `unknown command ${params.command}` };
    const args = params.arguments?.[0] as ApplyArgs | undefined;
    const hit = args && keyPolicy(args.uri);
    if (!args || !hit) return { applied: false, message: 'No open key policy for that URI.' };
    const result = guard('applyLeastPrivilege', () => service().applyLeastPrivilege(hit.document, hit.policy, args))(undefined);
    if (!result || 'error' in result) {
      const message = result?.error ?? 'The rewrite failed; see the server log.';
      void connection.window.showErrorMessage(message);
      return { applied: false, message };
    }
    if (args.dryRun) return { applied: false, summary: result.summary };
    const applied = await connection.workspace.applyEdit({ label: 'Rewrite to least privilege', edit: result.edit });
    return { applied: applied.applied, message: applied.failureReason, summary: result.summary };
  });

  documents.listen(connection);
  connection.listen();
}
