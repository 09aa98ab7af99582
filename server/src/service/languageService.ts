/**
 * The language service: every feature as a function over (document, position, parsed policy),
 * returning LSP data. It holds no connection and no state beyond compiled settings, so the
 * server, the CLI and the tests all call the same thing.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeActionContext, CompletionList, Diagnostic, Hover, Position, Range } from 'vscode-languageserver-types';
import { doCodeActions } from './codeActions';
import { applyLeastPrivilege, suggest, type ApplyArgs, type RewriteSettings, type SuggestResult } from './rewrite';
import type { WorkspaceEdit } from 'vscode-languageserver-types';
import type { SeveritySetting } from '../core/rules/index';
import type { PolicyDocument } from '../core/policy/model';
import { parsePolicy } from '../core/policy/parse';
import { compileFileGlobs, isKeyPolicyName, looksLikeKeyPolicy, type Matcher } from '../core/policy/recognize';
import { doComplete } from './completion';
import { doHover } from './hover';
import { doValidation, tooLargeDiagnostic } from './diagnostics';

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
  doCodeActions(document: TextDocument, range: Range, context: CodeActionContext, policy: PolicyDocument): CodeAction[];
  suggestAssignment(policy: PolicyDocument): SuggestResult;
  applyLeastPrivilege(document: TextDocument, policy: PolicyDocument, args: ApplyArgs): { edit: WorkspaceEdit } | { error: string };
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
      return parsePolicy(document.getText());
    },
    isKeyPolicy(document, policy) {
      const uri = document.uri;
      const path = uriPath(uri);
      const folder = folders.find((f) => uri.startsWith(f));
      const relative = folder ? uriPath(uri.slice(folder.length)) : undefined;
      return isKeyPolicyName(path, extraFiles, relative) || (policy !== undefined && looksLikeKeyPolicy(policy));
    },
    isTooLarge(document) {
      return document.getText().length > settings.maxFileSize;
    },
    doComplete,
    doHover,
    doCodeActions(document, range, context, policy) {
      return doCodeActions(document, range, context, policy, { rewrite: settings.leastPrivilege, interactive: options.interactiveRewrite === true });
    },
    suggestAssignment(policy) {
      return suggest(policy, settings.leastPrivilege);
    },
    applyLeastPrivilege(document, policy, args) {
      return applyLeastPrivilege(document, policy, args, settings.leastPrivilege);
    },
    doValidation(document, policy) {
      if (!policy) return [tooLargeDiagnostic(document.getText().length, settings.maxFileSize)];
      return doValidation(document, policy, { rules: settings.rules, docsUrl: options.docsUrl });
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
