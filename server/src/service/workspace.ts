/**
 * The Workspace: the one analysis host, for the language server and the CLI alike (in the spirit of
 * rust-analyzer's AnalysisHost). It owns
 * - the documents (through a `DocumentSource`: the server's open documents, the CLI's current file)
 *   and one parse per document version (`parseDocument`: policy, IaC file or domain spec), in a
 *   cache bounded by count and text size;
 * - the folder view: files that are not open are read through the node layer's `readFile` /
 *   `findFiles` (`FolderView`), never from here;
 * - the domain index (specs, the policies they govern) through `DomainWorkspace`;
 * - routing by document kind: every feature is `workspace.doX(uri, ...)`, and the kind decides.
 * It returns core findings (`findingSteps`) for the CLI, and LSP data for the server.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeActionContext, CodeLens, CompletionList, Diagnostic, DocumentSymbol, Hover, Location, Position, Range, WorkspaceEdit } from 'vscode-languageserver-types';
import { parseDocument, policiesOf, servedByContent, type IacFile, type ParsedFile, type PolicyFile } from '../core/document';
import { isDomainSpecName, isKeyPolicyName, KEY_POLICY_NAME, SPEC_NAME, SPEC_NAME_LOOSE, TERRAFORM_NAME, uriPath } from '../core/fileKinds';
import { terraformDeclarations, terraformFolder, type TerraformDeclarations, type TerraformFolder } from '../core/iac/index';
import { policyAt } from '../core/iac/index';
import { iacFindings } from '../core/iac/rules';
import { DEFAULT_MAX_FILE_SIZE, tooComplex, tooLarge } from '../core/limits';
import type { PolicyDocument } from '../core/policy/model';
import { compileFileGlobs, type Matcher } from '../core/policy/recognize';
import { ruleSteps, type Finding, type SeveritySetting } from '../core/rules/index';
import { sortFindings } from '../core/rules/severity';
import type { AccessPage, ApplyArgs, SuggestResult } from '../protocol';
import { AccessChanges, effectiveAccessPage, policyAtPosition, type Base } from './access';
import { specIntent } from './accessDiff';
import { doCodeActions, rewriteCodeActions } from './codeActions';
import { doComplete } from './completion';
import { toDiagnostic, type AnyFinding, type DiagnosticContext } from './diagnostics';
import { DomainWorkspace, type FileChange } from './domainWorkspace';
import type { EditResult } from './domainCommands';
import { iacCodeActions, iacComplete, iacDocumentSymbols, iacHover, within } from './embedded';
import { doHover } from './hover';
import { applyLeastPrivilege, suggest, type RewriteSettings } from './rewrite';

export type { FileChange } from './domainWorkspace';
export type { Base } from './access';
export { INDEXED_GLOB, TERRAFORM_GLOB } from '../core/fileKinds';

export interface LanguageSettings {
  /** Extra globs for key policy files (`kmsPolicy.files`). */
  readonly files: readonly string[];
  /** Documents larger than this many characters are not analyzed (`kmsPolicy.maxFileSize`). */
  readonly maxFileSize: number;
  /** `kmsPolicy.rules`: rule id -> off | info | warning | error. */
  readonly rules: Readonly<Record<string, SeveritySetting | undefined>>;
  /** `kmsPolicy.leastPrivilege`: the style and principal form of the rewrite. */
  readonly leastPrivilege: RewriteSettings;
}

export const DEFAULT_SETTINGS: LanguageSettings = {
  files: [],
  maxFileSize: DEFAULT_MAX_FILE_SIZE,
  rules: {},
  leastPrivilege: { style: 'key-policy-only', principalForm: 'k9' },
};

/** The documents the Workspace serves, by URI: the server's open documents, or the CLI's current file. */
export interface DocumentSource {
  get(uri: string): TextDocument | undefined;
  /** The URIs of the open documents (for a module folder's open .tf files). */
  keys?(): string[];
}

/** What the Workspace knows of files that are not open: read through the node layer (absent in a browser). */
export interface FolderView {
  /** A file's text by URI, undefined when it does not exist or cannot be read. */
  readFile(uri: string): string | undefined;
  /** URIs of domain specs and key policies under a workspace folder (the start-up scan). */
  findFiles(folderUri: string): string[];
  /** URIs of the Terraform files directly in a folder (one module), for references across its files. */
  listTerraform?(folderUri: string): string[];
}

export interface WorkspaceOptions {
  /** docs/rules.md and docs/domain-spec.md, for each diagnostic's codeDescription link. */
  readonly docsUrl?: string;
  readonly domainDocsUrl?: string;
  /** The client has the interactive rewrite command (set by the VS Code extension). */
  interactiveRewrite?: boolean;
  readonly documents?: DocumentSource;
  readonly files?: FolderView;
  /** A full garbage collection (node's `gc` under --expose-gc), if the process has one. */
  readonly collectGarbage?: () => void;
  /**
   * Record each policy's principals in the domain index (for spec completion). The server does; the
   * CLI does not, so its memory does not grow with the number of files it checks.
   */
  readonly indexPolicies?: boolean;
  /** How a spec's messages name another spec (default: relative to the spec; the CLI: relative to its working directory). */
  readonly displayUri?: (uri: string, from: string) => string;
}

interface CacheEntry {
  version: number;
  text: string;
  /** For a Terraform file: the generation of its folder's declarations the parse read. */
  folder?: number;
  file: ParsedFile | undefined;
}

/** A module folder's Terraform files and what each declares, read once until one of them changes. */
interface FolderEntry {
  readonly generation: number;
  readonly files: ReadonlyMap<string, TerraformDeclarations>;
}

/** Module folders remembered at once (each a few names per file). */
const MAX_FOLDERS = 64;

/**
 * The parse cache keeps the documents used most recently. A parse (model and, through the
 * evaluator's per-parse caches, effective access) of a 3 KB policy is about 30 times its text, so a
 * thousand open policies would otherwise hold 90 MB; a document that has left it is parsed again.
 */
const MAX_CACHED_PARSES = 32;
/** Past this many characters in all, the cache keeps only the parse in use: one parse of a 1 MB document is 9 MB. */
const MAX_CACHED_TEXT = 256 * 1024;
/**
 * Above this many characters, a document's previous parse is collected before it is parsed again.
 * A full GC takes 20-35 ms with a 1 MB document open, within its 250 ms edit budget.
 */
const COLLECT_BEFORE_REPARSE = 256 * 1024;

/** A served document and its parse (undefined when it is over the size limit). */
export interface Served {
  readonly document: TextDocument;
  readonly file: ParsedFile | undefined;
}

/** The folder of a URI, with its trailing slash. */
function folderOf(uri: string): string {
  return uri.slice(0, uri.lastIndexOf('/') + 1);
}

function rewriteSettings(value: unknown): RewriteSettings {
  const v = (value && typeof value === 'object' ? value : {}) as Partial<RewriteSettings>;
  return {
    style: v.style === 'delegate-to-iam' ? 'delegate-to-iam' : 'key-policy-only',
    principalForm: v.principalForm === 'explicit' ? 'explicit' : 'k9',
  };
}

const NO_DOCUMENTS: DocumentSource = { get: () => undefined };

/** The CLI's document source: the one file being checked, so nothing is held across files. */
export class CurrentDocument implements DocumentSource {
  private document: TextDocument | undefined;
  set(uri: string, text: string): string {
    this.document = TextDocument.create(uri, 'plaintext', 1, text);
    return uri;
  }
  clear(): void {
    this.document = undefined;
  }
  get(uri: string): TextDocument | undefined {
    return this.document?.uri === uri ? this.document : undefined;
  }
}

export class Workspace {
  /** File names the CLI's walk sorts by (core/fileKinds.ts). */
  static readonly SPEC_NAME = SPEC_NAME;
  static readonly KEY_POLICY_NAME = KEY_POLICY_NAME;
  static readonly SPEC_NAME_LOOSE = SPEC_NAME_LOOSE;

  private current: LanguageSettings = DEFAULT_SETTINGS;
  private extraFiles: Matcher | undefined;
  private folders: readonly string[] = [];
  private readonly cache = new Map<string, CacheEntry>();
  private readonly terraformFolders = new Map<string, FolderEntry>();
  private generation = 0;
  /** Open key policies analyzed since their principals were last recorded in the domain index (recorded when a spec asks). */
  private readonly unindexed = new Set<string>();
  private readonly documents: DocumentSource;
  readonly domain: DomainWorkspace;
  /** Access changes against each open document's base (service/access.ts). */
  private readonly access = new AccessChanges((uri, text) =>
    text.length > this.current.maxFileSize ? undefined : parseDocument(uri, text, { terraformFolder: TERRAFORM_NAME.test(uri) ? this.terraformContext(uri).folder : undefined }),
  );

  constructor(private readonly options: WorkspaceOptions = {}) {
    this.documents = options.documents ?? NO_DOCUMENTS;
    this.domain = new DomainWorkspace(
      {
      readText: (uri) => this.textOf(uri),
      openPolicy: (uri) => {
        const served = this.served(uri);
        return served?.file?.kind === 'policy' ? served.file.policy : undefined;
      },
      // key.policy: file#resource, a key inside a CloudFormation template or Terraform file (whose
      // policy document may be in another file of its module folder).
      embeddedPolicy: (uri, resource) => {
        const find = (u: string) => {
          const file = this.parsedAnyway(u);
          return file?.kind === 'iac' ? file.iac.policies.find((p) => p.embedded?.resource === resource) : undefined;
        };
        const own = find(uri);
        if (own || !TERRAFORM_NAME.test(uri)) return own;
        this.terraformContext(uri);
        for (const [u, d] of this.terraformFolders.get(folderOf(uri))?.files ?? []) {
          const found = u !== uri && d.documents.length > 0 ? find(u) : undefined;
          if (found) return found;
        }
        return undefined;
      },
      },
      // The CLI (indexPolicies: false) keeps each spec as its links alone.
      options.indexPolicies !== false,
    );
  }

  // ---- settings ------------------------------------------------------------------------------------

  configure(next: Partial<LanguageSettings>, workspaceFolders?: readonly string[]): void {
    let settings: LanguageSettings = { ...DEFAULT_SETTINGS, ...this.current, ...next };
    if (!Array.isArray(settings.files)) settings = { ...settings, files: [] };
    if (!settings.rules || typeof settings.rules !== 'object') settings = { ...settings, rules: {} };
    if (typeof settings.maxFileSize !== 'number' || !(settings.maxFileSize > 0)) settings = { ...settings, maxFileSize: DEFAULT_SETTINGS.maxFileSize };
    this.current = { ...settings, leastPrivilege: rewriteSettings(settings.leastPrivilege) };
    this.extraFiles = this.current.files.length ? compileFileGlobs(this.current.files) : undefined;
    if (workspaceFolders) this.folders = workspaceFolders.map((f) => (f.endsWith('/') ? f : f + '/'));
  }

  /** The settings in force (after validation). */
  settings(): LanguageSettings {
    return this.current;
  }

  set interactiveRewrite(value: boolean) {
    this.options.interactiveRewrite = value;
  }

  // ---- documents, parses, the folder view ----------------------------------------------------------

  /** A file's text: the open document's, else the disk's (through the folder view). */
  textOf(uri: string): string | undefined {
    return this.documents.get(uri)?.getText() ?? this.options.files?.readFile(uri);
  }

  isTooLarge(document: TextDocument): boolean {
    return document.getText().length > this.current.maxFileSize;
  }

  /** One parse per document version, shared by every feature; undefined when over the size limit. */
  private parse(document: TextDocument): ParsedFile | undefined {
    if (this.isTooLarge(document)) return undefined;
    const uri = document.uri;
    const cache = this.cache;
    const hit = cache.get(uri);
    cache.delete(uri); // re-inserted last: Map order is the least recently used first
    const text = document.getText();
    const folder = TERRAFORM_NAME.test(uri) ? this.terraformContext(uri) : undefined;
    if (hit && hit.version === document.version && hit.text === text && hit.folder === folder?.generation) {
      cache.set(uri, hit);
      return hit.file;
    }
    // The previous parse and text are garbage from here: nothing may hold them while the new parse is built.
    if (hit) {
      hit.file = undefined;
      hit.text = '';
    }
    // A large document's previous parse and text are most of the heap: collected now, before the
    // new parse is built, the heap never holds both (10 MB less peak RSS with a 1 MB document).
    if (hit && this.options.collectGarbage && text.length > COLLECT_BEFORE_REPARSE) this.options.collectGarbage();
    const file = parseDocument(uri, text, { terraformFolder: folder?.folder });
    cache.set(uri, { version: document.version, text, folder: folder?.generation, file });
    let size = 0;
    for (const entry of cache.values()) size += entry.text.length;
    while (cache.size > MAX_CACHED_PARSES || (cache.size > 1 && size > MAX_CACHED_TEXT)) {
      const [oldest, entry] = cache.entries().next().value!;
      size -= entry.text.length;
      entry.file = undefined;
      cache.delete(oldest);
    }
    return file;
  }

  /** A file's parse whether open or on disk (not cached when on disk): for a spec's governed template. */
  private parsedAnyway(uri: string): ParsedFile | undefined {
    const document = this.documents.get(uri);
    if (document) return this.parse(document);
    const text = this.options.files?.readFile(uri);
    if (text === undefined || text.length > this.current.maxFileSize) return undefined;
    return parseDocument(uri, text, { terraformFolder: TERRAFORM_NAME.test(uri) ? this.terraformContext(uri).folder : undefined });
  }

  /** Records the principals of the open key policies analyzed since the last time, for spec completion (only a spec asks for them). */
  private indexOpenPolicies(): void {
    for (const uri of this.unindexed) {
      const file = this.served(uri)?.file;
      if (file?.kind === 'policy') this.domain.updatePolicy(uri, file.policy);
    }
    this.unindexed.clear();
  }

  // ---- Terraform module folders ------------------------------------------------------------------

  /** What the other Terraform files of the file's folder declare (open documents' text first, then the disk). */
  private terraformContext(uri: string): { folder: TerraformFolder; generation: number } {
    const dir = folderOf(uri);
    let entry = this.terraformFolders.get(dir);
    if (entry) {
      this.terraformFolders.delete(dir); // re-inserted last: least recently used first
    } else {
      const uris = new Set((this.options.files?.listTerraform?.(dir) ?? []).filter((u) => TERRAFORM_NAME.test(u)));
      for (const u of this.documents.keys?.() ?? []) if (folderOf(u) === dir && TERRAFORM_NAME.test(u)) uris.add(u);
      const files = new Map<string, TerraformDeclarations>();
      for (const u of [...uris].sort()) {
        const text = this.textOf(u);
        if (text !== undefined && text.length <= this.current.maxFileSize) files.set(u, terraformDeclarations(text));
      }
      entry = { generation: ++this.generation, files };
    }
    this.terraformFolders.set(dir, entry);
    while (this.terraformFolders.size > MAX_FOLDERS) this.terraformFolders.delete(this.terraformFolders.keys().next().value!);
    const others = [...entry.files].filter(([u]) => u !== uri).map(([, d]) => d);
    return { folder: terraformFolder(others), generation: entry.generation };
  }

  /**
   * The file a spec names (`key.policy: file#resource`) for a key policy: its own, or for a
   * Terraform policy document used by a key of another file of the module, that key's file.
   */
  private keyFileOf(uri: string, policy: PolicyDocument): string {
    const e = policy.embedded;
    if (!e?.document || !TERRAFORM_NAME.test(uri)) return uri;
    for (const [u, d] of this.terraformFolders.get(folderOf(uri))?.files ?? []) if (u !== uri && d.keys.some(([, k]) => k.resource === e.resource)) return u;
    return uri;
  }

  /** URIs to refresh, with the open Terraform files of the module folder of each .tf one (a key's document may be in any of them). */
  private withModuleFiles(uris: readonly string[]): string[] {
    const out = new Set(uris);
    const dirs = new Set(uris.filter((u) => TERRAFORM_NAME.test(u)).map(folderOf));
    if (dirs.size) for (const u of this.documents.keys?.() ?? []) if (TERRAFORM_NAME.test(u) && dirs.has(folderOf(u))) out.add(u);
    return [...out];
  }

  /** A Terraform file changed: its folder is read again, and its other open files are refreshed. */
  private terraformChanged(uri: string): string[] {
    if (!TERRAFORM_NAME.test(uri)) return [];
    const dir = folderOf(uri);
    this.terraformFolders.delete(dir);
    return (this.documents.keys?.() ?? []).filter((u) => u !== uri && folderOf(u) === dir && TERRAFORM_NAME.test(u));
  }

  /** Is this document one we serve: a spec, a key policy (by name, `kmsPolicy.files` or content), a template or .tf file with a key policy? */
  private isServed(uri: string, file: ParsedFile | undefined, named = false): boolean {
    if (isDomainSpecName(uri)) return true;
    if (file?.kind === 'iac') return servedByContent(file);
    // A file named on the command line that is not valid JSON gets its syntax errors.
    if (named && file?.kind === 'policy' && (file.policy.syntaxErrors.length > 0 || file.policy.fatal !== undefined || file.policy.root?.type !== 'object')) return true;
    const folder = this.folders.find((f) => uri.startsWith(f));
    const relative = folder ? uriPath(uri.slice(folder.length)) : undefined;
    return isKeyPolicyName(uriPath(uri), this.extraFiles, relative) || (file !== undefined && servedByContent(file));
  }

  /** The open document and its parse, if we serve it. */
  served(uri: string, named = false): Served | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const file = this.parse(document);
    return this.isServed(uri, file, named) ? { document, file } : undefined;
  }

  /** Forgets a closed document's parse. */
  forget(uri: string): void {
    const entry = this.cache.get(uri);
    if (entry) entry.file = undefined;
    this.cache.delete(uri);
  }

  // ---- findings and diagnostics --------------------------------------------------------------------

  /**
   * Every finding of a served document, one slice at a time: yields between the rules of a key
   * policy (the server runs it in slices of the event loop). Templates and specs are analyzed in one
   * step. Returns undefined for a document we do not serve.
   */
  *findingSteps(uri: string, named = false): Generator<void, AnyFinding[] | undefined, void> {
    const served = this.served(uri, named);
    if (!served) return undefined;
    const { document, file } = served;
    const severities = this.current.rules;
    if (!file) return [tooLarge(document.getText().length, this.current.maxFileSize)];
    switch (file.kind) {
      case 'spec':
        return this.domain.specFindings(uri, file.text, file.spec, severities, this.options.displayUri && ((u) => this.options.displayUri!(u, uri)));
      case 'iac': {
        const out: AnyFinding[] = iacFindings(file.iac, { severities });
        // Each key policy in the file against the specs that govern it (key.policy: file#resource).
        for (const policy of file.iac.policies) out.push(...this.domain.driftFindings(this.keyFileOf(uri, policy), policy, severities, false));
        return out;
      }
      case 'policy': {
        yield; // the parse of a large document is one long step: look at the queue before the rules
        const skipped = tooComplex(file.policy);
        if (skipped) return [skipped];
        const findings: AnyFinding[] = yield* ruleSteps(file.policy, { severities });
        const drift = this.domain.driftFindings(uri, file.policy, severities, false);
        if (this.options.indexPolicies !== false) this.unindexed.add(uri);
        return drift.length ? [...findings, ...drift] : findings;
      }
    }
  }

  /** findingSteps run to the end. */
  findings(uri: string, named = false): AnyFinding[] | undefined {
    const steps = this.findingSteps(uri, named);
    let step = steps.next();
    while (!step.done) step = steps.next();
    return step.value;
  }

  /**
   * The CLI's check of one file: its kind, how many key policies it holds, and its findings
   * (undefined when it is not a file we serve). `named`: given on the command line.
   */
  check(uri: string, named = false): { kind: ParsedFile['kind'] | undefined; iacKind?: string; policies: number; findings: AnyFinding[] | undefined } {
    const findings = this.findings(uri, named);
    const document = this.documents.get(uri);
    const parsed = document && this.parse(document); // the parse findings used (cached)
    return { kind: parsed?.kind, iacKind: parsed?.kind === 'iac' ? parsed.iac.kind : undefined, policies: parsed ? policiesOf(parsed).length : 0, findings };
  }

  /** Drift findings of a key policy file the checked paths did not include (the CLI reports those alone). */
  driftOnly(uri: string): AnyFinding[] {
    const file = this.parsedAnyway(uri);
    const severities = this.current.rules;
    if (!file || file.kind === 'spec') return [];
    return sortFindings(policiesOf(file).flatMap((p) => this.domain.driftFindings(this.keyFileOf(uri, p), p, severities, false)));
  }

  /** The indexed domain specs that govern a key policy of a served document (as drift finds them). */
  governingSpecs(uri: string, policy: PolicyDocument): ReturnType<DomainWorkspace['governing']> {
    return this.domain.governing(this.keyFileOf(uri, policy), policy.embedded?.resource);
  }

  private diagnosticContext(): DiagnosticContext {
    return { docsUrl: this.options.docsUrl, domainDocsUrl: this.options.domainDocsUrl, textOf: (u) => this.domain.specText(u) ?? this.textOf(u) };
  }

  /** Diagnostics of any open document ([] for documents we do not serve), through the one converter. */
  *diagnosticSteps(uri: string): Generator<void, Diagnostic[], void> {
    const findings = yield* this.findingSteps(uri);
    const document = this.documents.get(uri);
    if (!findings || !document) return [];
    const context = this.diagnosticContext();
    return findings.map((f) => toDiagnostic(document, f, context));
  }

  diagnostics(uri: string): Diagnostic[] {
    const steps = this.diagnosticSteps(uri);
    let step = steps.next();
    while (!step.done) step = steps.next();
    return step.value;
  }

  // ---- features, routed by kind ----------------------------------------------------------------------

  complete(uri: string, position: Position): CompletionList | null {
    const served = this.served(uri);
    const file = served?.file;
    if (!served || !file) return null;
    const document = served.document;
    switch (file.kind) {
      case 'spec':
        this.indexOpenPolicies();
        return this.domain.complete(document, position);
      case 'iac':
        return iacComplete(document, position, file);
      case 'policy':
        return doComplete(document, position, file.policy);
    }
  }

  hover(uri: string, position: Position): Hover | null {
    const served = this.served(uri);
    const file = served?.file;
    if (!served || !file) return null;
    switch (file.kind) {
      case 'spec':
        return this.domain.hover(served.document, position);
      case 'iac':
        return iacHover(served.document, position, file);
      case 'policy':
        return doHover(served.document, position, file.policy);
    }
  }

  documentSymbols(uri: string): DocumentSymbol[] | null {
    const served = this.served(uri);
    const file = served?.file;
    if (!served || !file) return null;
    switch (file.kind) {
      case 'spec':
        return this.domain.symbols(served.document);
      case 'iac':
        return iacDocumentSymbols(served.document, file);
      case 'policy':
        return [];
    }
  }

  definition(uri: string, position: Position): Location[] | null {
    const served = this.served(uri);
    const file = served?.file;
    if (!served || !file) return null;
    const document = served.document;
    if (file.kind === 'spec') return this.domain.specDefinition(document, position);
    const policy = file.kind === 'policy' ? file.policy : policyAt(file.iac, document.offsetAt(position));
    return policy ? this.domain.policyDefinition(document, position, policy, this.keyFileOf(uri, policy)) : [];
  }

  codeActions(uri: string, range: Range, context: CodeActionContext): CodeAction[] | null {
    const served = this.served(uri);
    const file = served?.file;
    if (!served || !file) return null;
    const document = served.document;
    if (file.kind === 'spec') return this.domain.specCodeActions(document, range, context);
    const options = (policy: PolicyDocument) => ({
      rewrite: this.current.leastPrivilege,
      interactive: this.options.interactiveRewrite === true,
      // A governed policy is rewritten from its spec, exactly: the suggestion-based rewrite is not offered.
      governed: this.domain.governing(this.keyFileOf(uri, policy), policy.embedded?.resource).length > 0,
    });
    if (file.kind === 'policy') {
      const own = doCodeActions(document, range, context, file.policy, options(file.policy));
      return [...own, ...this.domain.policyCodeActions(document, range, context, file.policy)];
    }
    return this.iacCodeActions(document, range, context, file, options);
  }

  private iacCodeActions(document: TextDocument, range: Range, context: CodeActionContext, file: IacFile, options: (policy: PolicyDocument) => Parameters<typeof doCodeActions>[4]): CodeAction[] {
    // The rewrite edits the host itself, keeping the statements it keeps exactly as written (no interactive variant: the quick pick edits JSON policies).
    const rewrite = (d: TextDocument, _r: Range, c: CodeActionContext, p: PolicyDocument) => {
      const o = options(p);
      return o.governed ? [] : rewriteCodeActions(d, c, p, { ...o, interactive: false });
    };
    const own = iacCodeActions(document, range, context, file, (d, r, c, p) => doCodeActions(d, r, c, p, options(p)), rewrite);
    // Drift fixes and the spec's rewrite, in the template's syntax, for the policy at the range.
    const offset = document.offsetAt(range.start);
    const policy = policyAt(file.iac, offset) ?? file.iac.policies.find((p) => context.diagnostics.some((d) => within(p, document.offsetAt(d.range.start))));
    if (!policy) return own;
    const diagnostics = context.diagnostics.filter((d) => within(policy, document.offsetAt(d.range.start)));
    return [...own, ...this.domain.policyCodeActions(document, range, { ...context, diagnostics }, policy, this.keyFileOf(document.uri, policy))];
  }

  /** The `kmsPolicy/suggestAssignment` request: a key policy file's principals and the suggested capabilities. */
  suggestAssignment(uri: string): SuggestResult | null {
    const file = this.served(uri)?.file;
    return file?.kind === 'policy' ? suggest(file.policy, this.current.leastPrivilege) : null;
  }

  /** `kmsPolicy.applyLeastPrivilege`: the edit and the summary of what it keeps and takes away, or why not. */
  applyLeastPrivilege(args: ApplyArgs): { edit: WorkspaceEdit; summary: readonly string[] } | { error: string } | undefined {
    const served = this.served(args.uri);
    if (served?.file?.kind !== 'policy') return undefined; // no open key policy for that URI
    return applyLeastPrivilege(served.document, served.file.policy, args, this.current.leastPrivilege);
  }

  /** `kmsPolicy.generateKeyPolicy` / `kmsPolicy.createDomainSpec` with `[{ uri }]`: the edit to apply, or why not. */
  executeCommand(command: string, args: unknown): EditResult | undefined {
    return this.domain.executeCommand(command, args);
  }

  // ---- access changes and effective access (issue 15) -------------------------------------------------

  /** What an open document's access changes are compared with (the server sets it on open, and again when HEAD may have moved). */
  setBase(uri: string, base: Base): void {
    this.access.setBase(uri, base);
  }

  base(uri: string): Base | undefined {
    return this.access.base(uri);
  }

  /** `textDocument/codeLens`: "Compared with HEAD: +2 grants, −1" on each key whose access changed; `command` opens the diff. */
  codeLenses(uri: string, command: string): CodeLens[] | null {
    const served = this.served(uri);
    if (!served) return null;
    return this.access.lenses(served.document, served.file, command);
  }

  /** `kmsPolicy.accessDiff`: the access changes of every key of the document against its base. */
  accessDiff(uri: string): AccessPage | null {
    const served = this.served(uri);
    return (served && this.access.diffPage(served.document, served.file)) ?? null;
  }

  /**
   * `kmsPolicy.effectiveAccess`: the table of the key policy at `position` (or the first), with the
   * governing spec's intent; in a domain spec, the table of the policy it governs, with its intent.
   */
  effectiveAccess(uri: string, position?: Position): AccessPage | { error: string } | null {
    const served = this.served(uri);
    if (served?.file?.kind === 'spec') {
      const governed = this.domain.governedPolicy(uri);
      if (!governed) return { error: 'The key policy this domain spec governs cannot be read (see the spec\'s diagnostics).' };
      return effectiveAccessPage(governed.uri, governed.policy, specIntent([{ uri, spec: served.file.spec }]));
    }
    const policy = served?.file && policyAtPosition(served.document, served.file, position);
    if (!served || !policy) return null;
    return effectiveAccessPage(uri, policy, specIntent(this.governingSpecs(uri, policy)));
  }


  // ---- the index: what changed, and whose diagnostics that affects -----------------------------------

  /** An open document changed: re-index a spec, or find the specs that govern a policy. Returns the other URIs to refresh. */
  changed(uri: string): string[] {
    const document = this.documents.get(uri);
    if (!document) return [];
    if (isDomainSpecName(uri)) {
      const file = this.parse(document);
      return file?.kind === 'spec' ? this.withModuleFiles(this.domain.updateSpec(uri, file.text, file.spec).affected) : [];
    }
    return [...this.terraformChanged(uri), ...this.domain.index.governing(uri).map((s) => s.uri)];
  }

  /** An open document closed: back to what is on disk (or gone). Returns the URIs to refresh. */
  closed(uri: string): string[] {
    this.forget(uri);
    this.access.forget(uri);
    return [...this.terraformChanged(uri), ...this.withModuleFiles(this.domain.fileChanged(uri, this.options.files?.readFile(uri) === undefined ? 'deleted' : 'changed'))];
  }

  /** A watched-file event or the start-up scan. An open document's text wins over the disk. Returns the URIs to refresh. */
  fileChanged(uri: string, change: FileChange): string[] {
    if (this.documents.get(uri) && change !== 'deleted') return [];
    return [...this.terraformChanged(uri), ...this.withModuleFiles(this.domain.fileChanged(uri, change))];
  }

  /** The key policy files (URIs) the indexed specs govern. */
  governedPolicies(): string[] {
    return [...new Set(this.domain.index.allSpecs().flatMap((s) => (s.policyUri ? [s.policyUri] : [])))];
  }

  /** The start-up scan: every spec and key policy under the folders. Returns the URIs to refresh. */
  scan(folders: readonly string[]): string[] {
    const affected = new Set<string>();
    for (const folder of folders) for (const uri of this.options.files?.findFiles(folder) ?? []) for (const a of this.domain.fileChanged(uri, 'created')) affected.add(a);
    return this.withModuleFiles([...affected]);
  }
}

export type { Finding, PolicyFile };
