/** Core edits (offset, length, content) <-> LSP TextEdits, written once. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextEdit, WorkspaceEdit } from 'vscode-languageserver-types';
import type { Edit } from '../core/rewrite/edits';

export function toTextEdits(document: TextDocument, edits: readonly Edit[]): TextEdit[] {
  return edits.map((e) => ({ range: { start: document.positionAt(e.offset), end: document.positionAt(e.offset + e.length) }, newText: e.content }));
}

export function fromTextEdits(document: TextDocument, edits: readonly TextEdit[]): Edit[] {
  return edits.map((e) => ({ offset: document.offsetAt(e.range.start), length: document.offsetAt(e.range.end) - document.offsetAt(e.range.start), content: e.newText }));
}

export function toWorkspaceEdit(document: TextDocument, edits: readonly Edit[]): WorkspaceEdit {
  return { changes: { [document.uri]: toTextEdits(document, edits) } };
}
