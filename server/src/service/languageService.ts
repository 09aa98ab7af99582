/**
 * The language service: every feature as a function over (document, position, parsed policy),
 * returning LSP data. It holds no connection and no state beyond compiled settings, so the
 * server, the CLI and the tests all call the same thing.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionList, Hover, Position } from 'vscode-languageserver-types';
import type { PolicyDocument } from '../core/policy/model';
import { parsePolicy } from '../core/policy/parse';
import { compileFileGlobs, isKeyPolicyName, looksLikeKeyPolicy, type Matcher } from '../core/policy/recognize';
import { doComplete } from './completion';
import { doHover } from './hover';

export interface LanguageSettings {
  /** Extra globs for key policy files (`kmsPolicy.files`). */
  readonly files: readonly string[];
  /** Documents larger than this many characters are not analyzed (`kmsPolicy.maxFileSize`). */
  readonly maxFileSize: number;
}

export const DEFAULT_SETTINGS: LanguageSettings = { files: [], maxFileSize: 2 * 1024 * 1024 };

export interface LanguageService {
  configure(settings: Partial<LanguageSettings>, workspaceFolders?: readonly string[]): void;
  parse(document: TextDocument): PolicyDocument;
  /** Whether we serve this document at all: by name, by `kmsPolicy.files`, or by content. */
  isKeyPolicy(document: TextDocument, policy: PolicyDocument): boolean;
  isTooLarge(document: TextDocument): boolean;
  doComplete(document: TextDocument, position: Position, policy: PolicyDocument): CompletionList;
  doHover(document: TextDocument, position: Position, policy: PolicyDocument): Hover | null;
}

export function getLanguageService(): LanguageService {
  let settings = DEFAULT_SETTINGS;
  let extraFiles: Matcher | undefined;
  let folders: readonly string[] = [];

  return {
    configure(next, workspaceFolders) {
      settings = { ...DEFAULT_SETTINGS, ...settings, ...next };
      if (!Array.isArray(settings.files)) settings = { ...settings, files: [] };
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
      return isKeyPolicyName(path, extraFiles, relative) || looksLikeKeyPolicy(policy);
    },
    isTooLarge(document) {
      return document.getText().length > settings.maxFileSize;
    },
    doComplete,
    doHover,
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
