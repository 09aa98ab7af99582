/** Helpers for data-driven feature tests: `|` marks the cursor; edits are applied to text. */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionItem, Position, TextEdit } from 'vscode-languageserver-types';

export function withCursor(marked: string, uri = 'file:///work/test.key-policy.json'): { document: TextDocument; position: Position; offset: number } {
  const offset = marked.indexOf('|');
  if (offset < 0) throw new Error('test input has no | cursor marker');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const document = TextDocument.create(uri, 'json', 1, text);
  return { document, position: document.positionAt(offset), offset };
}

/** Expands a snippet the way an editor does with its defaults: placeholders become their default text, choices their first option. */
export function expandSnippet(snippet: string): string {
  let out = snippet;
  let prev;
  do {
    prev = out;
    out = out
      .replace(/(?<!\\)\$\{\d+\|([^,|]*)[^}]*\|\}/g, '$1')
      .replace(/(?<!\\)\$\{\d+:([^{}]*)\}/g, '$1')
      .replace(/(?<!\\)\$\{\d+\}/g, '');
  } while (out !== prev);
  return out.replace(/(?<!\\)\$\d+/g, '').replace(/\\([\\$}])/g, '$1');
}

export function applyEdit(document: TextDocument, edit: TextEdit, snippet: boolean): string {
  return TextDocument.applyEdits(document, [{ range: edit.range, newText: snippet ? expandSnippet(edit.newText) : edit.newText }]);
}

/** Applies a completion item as an editor would: its textEdit, with snippet syntax expanded. */
export function applyItem(document: TextDocument, item: CompletionItem): string {
  const edit = item.textEdit;
  if (!edit || !('range' in edit)) throw new Error(`item ${item.label} has no textEdit with a range`);
  return applyEdit(document, edit, item.insertTextFormat === 2);
}
