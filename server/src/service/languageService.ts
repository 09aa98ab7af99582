/**
 * The language service: every feature as a function over (document, position, parsed policy),
 * returning LSP data. It holds no connection and no state beyond compiled settings, so the
 * server, the CLI and the tests all call the same thing.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeActionContext, CompletionList, Diagnostic, DocumentSymbol, Hover, Position, Range } from 'vscode-languageserver-types';
import { doCodeActions, rewriteCodeActions } from './codeActions';
import { applyLeastPrivilege, suggest, type ApplyArgs, type RewriteSettings, type SuggestResult } from './rewrite';
import type { WorkspaceEdit } from 'vscode-languageserver-types';
import type { SeveritySetting } from '../core/rules/index';
import type { PolicyDocument } from '../core/policy/model';
import { parsePolicy } from '../core/policy/parse';
import { compileFileGlobs, isKeyPolicyName, looksLikeKeyPolicy, type Matcher } from '../core/policy/recognize';
import { doComplete } from './completion';
import { doHover } from './hover';
import { doValidation, tooLargeDiagnostic, validationSteps } from './diagnostics';
import { classify, iacHostDocument, isRelevantIac } from '../core/embed/index';
import { iacCodeActions, iacComplete, iacDocumentSymbols, iacHover, iacValidation } from './embedded';

// What server.ts loads on first use (this module is the entry of dist/service.js).
export { DomainWorkspace, CREATE_DOMAIN_SPEC, GENERATE_KEY_POLICY } from './domainWorkspace';
export { APPLY_LEAST_PRIVILEGE, SUGGEST_REQUEST } from './rewrite';
export { analyzeIac, classify } from '../core/embed/index';

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
  maxFileSize: 2 * 1024 * 1024,
  rules: {},
  leastPrivilege: { style: 'key-policy-only', principalForm: 'k9' },
};

export interface LanguageService {
  configure(settings: Partial<LanguageSettings>, workspaceFolders?: readonly string[]): void;
  parse(document: TextDocument): PolicyDocument;
  /** Whether we serve this document at all: by name, by `kmsPolicy.files`, or by content (when it was parsed). */
  isKeyPolicy(document: TextDocument, policy: PolicyDocument | undefined): boolean;
  isTooLarge(document: TextDocument): boolean;
  doComplete(document: TextDocument, position: Position, policy: PolicyDocument): CompletionList;
  doHover(document: TextDocument, position: Position, policy: PolicyDocument): Hover | null;
  /** Diagnostics for a key policy; a document over the size limit gets one informational diagnostic instead. */
  doValidation(document: TextDocument, policy: PolicyDocument | undefined): Diagnostic[];
  /**
   * doValidation one rule at a time, for the server to run in slices (and to stop when the request
   * is cancelled): yields between rules, returns the diagnostics. IaC templates are analyzed in one step.
   */
  validationSteps(document: TextDocument, policy: PolicyDocument | undefined): Generator<void, Diagnostic[], void>;
  doCodeActions(document: TextDocument, range: Range, context: CodeActionContext, policy: PolicyDocument): CodeAction[];
  suggestAssignment(policy: PolicyDocument): SuggestResult;
  /** The settings in force (after validation). */
  settings(): LanguageSettings;
  applyLeastPrivilege(document: TextDocument, policy: PolicyDocument, args: ApplyArgs): { edit: WorkspaceEdit; summary: readonly string[] } | { error: string };
  /** The keys and statements of a CloudFormation template or Terraform file (empty for a policy file). */
  doDocumentSymbols(document: TextDocument, policy: PolicyDocument): DocumentSymbol[];
}

export interface ServiceOptions {
  /** Where docs/rules.md is, for each diagnostic's codeDescription link. */
  readonly docsUrl?: string;
  /** The client has the interactive rewrite command (set by the VS Code extension). */
  interactiveRewrite?: boolean;
}

function rewriteSettings(value: unknown): RewriteSettings {
  const v = (value && typeof value === 'object' ? value : {}) as Partial<RewriteSettings>;
  return {
    style: v.style === 'delegate-to-iam' ? 'delegate-to-iam' : 'key-policy-only',
    principalForm: v.principalForm === 'explicit' ? 'explicit' : 'k9',
  };
}

export function getLanguageService(options: ServiceOptions = {}): LanguageService {
  let settings = DEFAULT_SETTINGS;
  let extraFiles: Matcher | undefined;
  let folders: readonly string[] = [];

  return {
    configure(next, workspaceFolders) {
      settings = { ...DEFAULT_SETTINGS, ...settings, ...next };
      if (!Array.isArray(settings.files)) settings = { ...settings, files: [] };
      if (!settings.rules || typeof settings.rules !== 'object') settings = { ...settings, rules: {} };
      if (typeof settings.maxFileSize !== 'number' || !(settings.maxFileSize > 0)) settings = { ...settings, maxFileSize: DEFAULT_SETTINGS.maxFileSize };
      settings = { ...settings, leastPrivilege: rewriteSettings(settings.leastPrivilege) };
      extraFiles = settings.files.length ? compileFileGlobs(settings.files) : undefined;
      if (workspaceFolders) folders = workspaceFolders.map((f) => (f.endsWith('/') ? f : f + '/'));
    },
    parse(document) {
      const text = document.getText();
      const iac = classify(uriPath(document.uri), text);
      return iac ? iacHostDocument(text, iac) : parsePolicy(text);
    },
    isKeyPolicy(document, policy) {
      if (policy?.iac) return isRelevantIac(policy.iac, policy.text);
      const uri = document.uri;
      const path = uriPath(uri);
      const folder = folders.find((f) => uri.startsWith(f));
      const relative = folder ? uriPath(uri.slice(folder.length)) : undefined;
      return isKeyPolicyName(path, extraFiles, relative) || (policy !== undefined && looksLikeKeyPolicy(policy));
    },
    isTooLarge(document) {
      return document.getText().length > settings.maxFileSize;
    },
    doComplete(document, position, policy) {
      return policy.iac ? iacComplete(document, position, policy) : doComplete(document, position, policy);
    },
    doHover(document, position, policy) {
      return policy.iac ? iacHover(document, position, policy) : doHover(document, position, policy);
    },
    doCodeActions(document, range, context, policy) {
      const run = (d: TextDocument, r: Range, c: CodeActionContext, p: PolicyDocument) =>
        doCodeActions(d, r, c, p, { rewrite: settings.leastPrivilege, interactive: options.interactiveRewrite === true });
      const rewrite = (d: TextDocument, _r: Range, c: CodeActionContext, p: PolicyDocument) => rewriteCodeActions(d, c, p, { rewrite: settings.leastPrivilege, interactive: false });
      return policy.iac ? iacCodeActions(document, range, context, policy, run, rewrite) : run(document, range, context, policy);
    },
    doDocumentSymbols(document, policy) {
      return policy.iac ? iacDocumentSymbols(document, policy) : [];
    },
    settings() {
      return settings;
    },
    suggestAssignment(policy) {
      return suggest(policy, settings.leastPrivilege);
    },
    applyLeastPrivilege(document, policy, args) {
      return applyLeastPrivilege(document, policy, args, settings.leastPrivilege);
    },
    doValidation(document, policy) {
      if (!policy) return [tooLargeDiagnostic(document.getText().length, settings.maxFileSize)];
      if (policy.iac) return iacValidation(document, policy, { rules: settings.rules, docsUrl: options.docsUrl });
      return doValidation(document, policy, { rules: settings.rules, docsUrl: options.docsUrl });
    },
    *validationSteps(document, policy) {
      if (!policy || policy.iac) return this.doValidation(document, policy);
      return yield* validationSteps(document, policy, { rules: settings.rules, docsUrl: options.docsUrl });
    },
  };
}

function uriPath(uri: string): string {
  const withoutScheme = uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  try {
    return decodeURIComponent(withoutScheme);
  } catch {
    return withoutScheme;
  }
}
