/** A Workspace over documents given one call at a time, for unit tests of the features (as the server calls them). */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeActionContext, Position, Range } from 'vscode-languageserver-types';
import { parseDocument, type ParsedFile } from '../../server/src/core/document';
import { Workspace, type LanguageSettings, type WorkspaceOptions } from '../../server/src/service/workspace';

export function documentWorkspace(options: WorkspaceOptions = {}) {
  const open = new Map<string, TextDocument>();
  const ws = new Workspace({ ...options, documents: { get: (uri) => open.get(uri) } });
  const use = (d: TextDocument) => {
    open.set(d.uri, d);
    return d.uri;
  };
  return {
    workspace: ws,
    configure: (settings: Partial<LanguageSettings>) => ws.configure(settings),
    parse: (d: TextDocument): ParsedFile => parseDocument(d.uri, d.getText()),
    isServed: (d: TextDocument) => ws.served(use(d)) !== undefined,
    diagnostics: (d: TextDocument) => ws.diagnostics(use(d)),
    complete: (d: TextDocument, p: Position) => ws.complete(use(d), p) ?? { isIncomplete: false, items: [] },
    hover: (d: TextDocument, p: Position) => ws.hover(use(d), p),
    codeActions: (d: TextDocument, r: Range, c: CodeActionContext) => ws.codeActions(use(d), r, c) ?? [],
    symbols: (d: TextDocument) => ws.documentSymbols(use(d)) ?? [],
  };
}
