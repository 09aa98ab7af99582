/**
 * startServer(connection): thin LSP handlers over the Workspace (service/workspace.ts), which owns
 * the documents' parses, the folder view, the domain index and the routing by kind. Here: document
 * sync, settings, diagnostics in slices of the event loop (push or pull), guarded handlers.
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
  type CompletionList,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import type * as ServiceModule from './service/workspace';
import type { FolderView, LanguageSettings, Workspace } from './service/workspace';
import { CLIENT_COMMANDS, type AccessArgs, type ApplyArgs, type BaseTextParams, type BaseTextResult, type InitializationOptions } from './protocol';
import type { Base } from './service/workspace';
import { COMMANDS, initializeResult, resolvesDocumentation, SERVER_NAME, usesPullDiagnostics } from './node/initialize';
import { DeferredDocumentation } from './service/completionDocs';
import type { AnalysisHold } from './node/testHooks';

export { COMMANDS, SERVER_NAME };

/**
 * Everything but the LSP shell (the Workspace, core, the catalog, yaml), loaded on first use:
 * initialize does not need it, and a server that is never sent a key policy never loads it. The
 * bundle (scripts/build.mjs) ships it as its own file.
 */
let serviceModule: typeof ServiceModule | undefined;
function load(): typeof ServiceModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (serviceModule ??= require('./service/workspace') as typeof ServiceModule);
}

/**
 * Long analyses run in slices of about this many milliseconds, with a turn of the event loop in
 * between, so `$/cancelRequest` and newer edits are read while they run. A typical key policy is
 * analyzed within one slice: it never waits for the event loop.
 */
const SLICE_MS = 8;

/** What the server needs from the file system (given by node/main.ts; absent in a browser). */
export type FileAccess = FolderView;

export interface ServerOptions {
  docsUrl?: string;
  domainDocsUrl?: string;
  files?: FileAccess;
  /** A full garbage collection (node's `gc` under --expose-gc), if the process has one. */
  collectGarbage?: () => void;
  /** Tests only (node/testHooks.ts): holds an analysis at a slice boundary while a test cancels or edits. */
  analysisHold?: AnalysisHold;
  /**
   * A file's text at HEAD, read through the node layer (node/git.ts): `{}` when the file is not
   * in HEAD, undefined without a repository. Used when the client does not answer `kmsPolicy/baseText`.
   */
  headText?: (uri: string) => Promise<{ text?: string } | undefined>;
}

/** Documents larger than this get no access-changes lens: the base's parse would double the memory a large document takes. */
const MAX_LENS_DOCUMENT = 512 * 1024;
/** How long a code lens waits for the base (git) before answering without it. */
const BASE_WAIT_MS = 3000;

/** Files whose change may mean HEAD moved (a commit, a checkout). */
const GIT_HEAD_GLOB = '**/.git/{HEAD,index}';
const GIT_HEAD = /\/\.git\/(HEAD|index)$/;

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  let canPullConfiguration = false;
  /** LSP 3.17 pull diagnostics when the client supports them (VS Code does); otherwise we push on every change, with no delay. */
  let pullDiagnostics = false;
  let canRefreshDiagnostics = false;
  /** Completion documentation goes through completionItem/resolve when the client resolves it. */
  let deferredDocs: DeferredDocumentation | undefined;

  let folders: string[] = [];
  let watchDynamically = false;
  let interactiveRewrite = false;
  /** The client reads HEAD for us (kmsPolicy/baseText) and opens the diff itself (CLIENT_COMMANDS.showAccessChanges). */
  let clientBaseText = false;
  let clientAccessViews = false;
  let canRefreshCodeLens = false;

  /** The Workspace, created on first use; settings received before are applied then. */
  let host: Workspace | undefined;
  const pendingSettings: [Partial<LanguageSettings>, readonly string[] | undefined][] = [];
  function workspace(): Workspace {
    if (!host) {
      host = new (load().Workspace)({ docsUrl: options.docsUrl, domainDocsUrl: options.domainDocsUrl, documents, files: options.files, collectGarbage: options.collectGarbage, interactiveRewrite });
      for (const [settings, workspaceFolders] of pendingSettings.splice(0)) host.configure(settings, workspaceFolders);
    }
    return host;
  }
  function configure(settings: Partial<LanguageSettings>, workspaceFolders?: readonly string[]): void {
    if (host) host.configure(settings, workspaceFolders);
    else pendingSettings.push([settings, workspaceFolders]);
  }

  /**
   * Runs the Workspace's diagnosticSteps for the document's current version in slices of SLICE_MS, checking
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
        steps = workspace().diagnosticSteps(uri);
        let slice = performance.now();
        for (;;) {
          const step = steps.next();
          if (step.done) return { version, diagnostics: step.value };
          const held = options.analysisHold?.atSliceBoundary();
          if (!held && performance.now() - slice < SLICE_MS) continue;
          await (held ?? new Promise((resolve) => setImmediate(resolve)));
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
    const init = params.initializationOptions as ({ settings?: Partial<LanguageSettings> } & InitializationOptions) | undefined;
    interactiveRewrite = init?.interactiveRewrite === true;
    clientBaseText = init?.baseText === true;
    clientAccessViews = init?.accessViews === true;
    canRefreshCodeLens = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    if (host) host.interactiveRewrite = interactiveRewrite;
    configure(init?.settings ?? {}, folders);
    pullDiagnostics = usesPullDiagnostics(params);
    canRefreshDiagnostics = params.capabilities.workspace?.diagnostics?.refreshSupport === true;
    watchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    deferredDocs = resolvesDocumentation(params) ? new DeferredDocumentation() : undefined;
    return initializeResult(params);
  });

  connection.onInitialized(() => {
    void pullSettings();
    if (watchDynamically) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: load().INDEXED_GLOB }, { globPattern: load().TERRAFORM_GLOB }, { globPattern: GIT_HEAD_GLOB }],
      });
    }
    // The workspace index: every spec and key policy on disk (open documents update it as they change).
    guard('domain index', () => refresh(workspace().scan(folders)))(undefined);
  });

  connection.onDidChangeWatchedFiles((params) => {
    const affected = new Set<string>();
    if (params.changes.some((c) => GIT_HEAD.test(c.uri))) rereadBases();
    for (const change of params.changes) {
      if (GIT_HEAD.test(change.uri)) continue;
      const kind = change.type === FileChangeType.Deleted ? 'deleted' : change.type === FileChangeType.Created ? 'created' : 'changed';
      for (const uri of guard('watched files', () => workspace().fileChanged(change.uri, kind))(undefined) ?? []) affected.add(uri);
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
    refresh(guard('domain update', () => workspace().changed(uri))(undefined) ?? []);
  });
  documents.onDidOpen((e) => {
    if (e.document.getText().length <= MAX_LENS_DOCUMENT) opened.set(e.document.uri, e.document.getText());
  });
  documents.onDidSave((e) => {
    // A save may follow a commit or a checkout made outside the editor: HEAD is read again.
    if (bases.has(e.document.uri)) void rereadBase(e.document.uri).then(refreshCodeLenses);
  });
  documents.onDidClose((e) => {
    opened.delete(e.document.uri);
    bases.delete(e.document.uri);
    baseRead.delete(e.document.uri);
    // Back to what is on disk (or gone, if it was never saved).
    refresh(guard('domain close', () => workspace().closed(e.document.uri))(undefined) ?? []);
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

  connection.onDefinition(request('definition', (params) => workspace().definition(params.textDocument.uri, params.position)));
  /** A completion list as sent: without documentation for clients that resolve it (service/completionDocs.ts). */
  const sent = (list: CompletionList | null) => (list && deferredDocs ? deferredDocs.defer(list) : list);
  connection.onCompletion(request('completion', (params) => sent(workspace().complete(params.textDocument.uri, params.position))));
  connection.onCompletionResolve((item) => guard('completionResolve', () => deferredDocs?.resolve(item) ?? item)(undefined) ?? item);
  connection.onHover(request('hover', (params) => workspace().hover(params.textDocument.uri, params.position)));
  connection.onDocumentSymbol(request('documentSymbol', (params) => workspace().documentSymbols(params.textDocument.uri)));
  connection.onCodeAction(request('codeAction', (params) => workspace().codeActions(params.textDocument.uri, params.range, params.context)));
  connection.onRequest(COMMANDS.suggestAssignment, request('suggestAssignment', (params: { uri: string }) => workspace().suggestAssignment(params?.uri)));

  // ---- access changes (code lens) and effective access ---------------------------------------------

  /** The text of each open document when it was opened: the base without git. */
  const opened = new Map<string, string>();
  /** The base of each document whose lenses were asked for: set in the Workspace once read. */
  const bases = new Map<string, Promise<void>>();

  /** HEAD's text from the client (VS Code's git extension) or the node layer; undefined without git. */
  async function readHead(uri: string): Promise<{ text?: string } | undefined> {
    if (clientBaseText) {
      try {
        return (await connection.sendRequest<BaseTextResult | null>(COMMANDS.baseText, { uri } satisfies BaseTextParams)) ?? undefined;
      } catch (e) {
        connection.console.warn(`${COMMANDS.baseText} failed: ${String(e)}`);
        return undefined;
      }
    }
    return options.headText && uri.startsWith('file:') ? options.headText(uri) : undefined;
  }

  function fetchBase(uri: string): Promise<void> {
    return readHead(uri).then((head) => {
      if (!documents.get(uri)) return;
      const base: Base | undefined = head ? { kind: 'head', text: head.text } : opened.has(uri) ? { kind: 'opened', text: opened.get(uri) } : undefined;
      if (base) guard('base', () => workspace().setBase(uri, base))(undefined);
    });
  }

  /** Documents whose base was read (once read, a base stays in use while it is read again). */
  const baseRead = new Set<string>();
  function ensureBase(uri: string): Promise<void> {
    let pending = bases.get(uri);
    if (pending) return pending;
    const asked = performance.now();
    pending = fetchBase(uri).finally(() => {
      if (!documents.get(uri)) return;
      baseRead.add(uri);
      // A lens answered without it (git was slow) is asked again.
      if (performance.now() - asked >= BASE_WAIT_MS) refreshCodeLenses();
    });
    bases.set(uri, pending);
    return pending;
  }

  /** HEAD may have moved (a commit, a checkout): every base read so far is read again, and the lenses refreshed. */
  function rereadBase(uri: string): Promise<void> {
    const next = fetchBase(uri);
    bases.set(uri, next);
    return next;
  }
  function refreshCodeLenses(): void {
    if (canRefreshCodeLens) connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }
  let rereading: ReturnType<typeof setTimeout> | undefined;
  function rereadBases(): void {
    if (rereading) clearTimeout(rereading);
    rereading = setTimeout(() => {
      rereading = undefined;
      void Promise.all([...bases.keys()].map(rereadBase)).then(refreshCodeLenses);
    }, 300);
  }

  async function withBase(uri: string): Promise<boolean> {
    const document = documents.get(uri);
    if (!document || document.getText().length > MAX_LENS_DOCUMENT) return false;
    if (!guard('served', () => workspace().served(uri) !== undefined)(undefined)) return false;
    if (baseRead.has(uri)) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([ensureBase(uri), new Promise((resolve) => (timer = setTimeout(resolve, BASE_WAIT_MS)))]);
    clearTimeout(timer);
    return true;
  }

  const lensCommand = () => (clientAccessViews ? CLIENT_COMMANDS.showAccessChanges : COMMANDS.accessDiff);
  connection.onCodeLens(async (params, token) => {
    const uri = params.textDocument.uri;
    if (!(await withBase(uri)) || token.isCancellationRequested) return null;
    return guard('codeLens', () => workspace().codeLenses(uri, lensCommand()))(undefined);
  });

  /** `[uri]` (the code lens's arguments) or `[{ uri, position? }]`. */
  function accessArgs(args: unknown[] | undefined): AccessArgs | undefined {
    const first = args?.[0];
    if (typeof first === 'string') return { uri: first };
    const a = first as Partial<AccessArgs> | undefined;
    return a && typeof a.uri === 'string' ? { uri: a.uri, position: a.position } : undefined;
  }

  connection.onExecuteCommand(async (params) => {
    if (params.command === COMMANDS.accessDiff) {
      const args = accessArgs(params.arguments);
      if (!args || !(await withBase(args.uri))) return null;
      return guard(params.command, () => workspace().accessDiff(args.uri))(undefined);
    }
    if (params.command === COMMANDS.effectiveAccess) {
      const args = accessArgs(params.arguments);
      return args ? guard(params.command, () => workspace().effectiveAccess(args.uri, args.position))(undefined) : null;
    }
    if (params.command === COMMANDS.generateKeyPolicy || params.command === COMMANDS.createDomainSpec) {
      const result = guard(params.command, () => workspace().executeCommand(params.command, params.arguments))(undefined);
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
    const result = args && typeof args.uri === 'string' ? guard('applyLeastPrivilege', () => workspace().applyLeastPrivilege(args))(undefined) : undefined;
    if (result === undefined) return { applied: false, message: 'No open key policy for that URI.' };
    if (!result || 'error' in result) {
      const message = result?.error ?? 'The rewrite failed; see the server log.';
      void connection.window.showErrorMessage(message);
      return { applied: false, message };
    }
    if (args?.dryRun) return { applied: false, summary: result.summary };
    const applied = await connection.workspace.applyEdit({ label: 'Rewrite to least privilege', edit: result.edit });
    return { applied: applied.applied, message: applied.failureReason, summary: result.summary };
  });

  documents.listen(connection);
  connection.listen();
}
