/** The outline of a domain spec: its sections, the principals it names and the capabilities it grants. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { DomainSpec, SpecEntry, SpecNode } from '../core/spec/model';
import type { Span } from '../core/policy/model';

function range(document: TextDocument, span: Span) {
  return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
}

function scalarText(node: SpecNode | undefined): string | undefined {
  return node?.kind === 'scalar' ? node.text : undefined;
}

function listText(node: SpecNode | undefined): string {
  if (node?.kind === 'array') return node.items.map((i) => (i.kind === 'scalar' ? i.text : '…')).join(', ') || '(none)';
  return scalarText(node) ?? '';
}

const SECTION_KIND: Record<string, SymbolKind> = {
  domain: SymbolKind.Package,
  description: SymbolKind.String,
  account: SymbolKind.Constant,
  region: SymbolKind.Constant,
  partition: SymbolKind.Constant,
  key: SymbolKind.Key,
  principals: SymbolKind.Namespace,
  access: SymbolKind.Namespace,
  services: SymbolKind.Array,
  grantsForAWSResources: SymbolKind.Array,
};

function symbol(document: TextDocument, e: SpecEntry, kind: SymbolKind, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  const full = { start: e.span.start, end: Math.max(e.span.end, e.keySpan.end) };
  return { name: e.key || '(empty)', detail: detail || undefined, kind, range: range(document, full), selectionRange: range(document, e.keySpan), children };
}

export function specSymbols(document: TextDocument, spec: DomainSpec): DocumentSymbol[] {
  if (spec.root?.kind !== 'object') return [];
  return spec.root.entries.map((e) => {
    const kind = SECTION_KIND[e.key] ?? SymbolKind.Property;
    const value = e.value;
    if (value?.kind === 'object' && (e.key === 'principals' || e.key === 'access' || e.key === 'key')) {
      const children = value.entries.map((c) => {
        if (e.key === 'principals') return symbol(document, c, SymbolKind.Variable, scalarText(c.value));
        if (e.key === 'access') return symbol(document, c, SymbolKind.EnumMember, listText(c.value));
        return symbol(document, c, SymbolKind.Property, scalarText(c.value));
      });
      const detail = e.key === 'key' ? scalarText(value.entries.find((c) => c.key === 'policy')?.value) : `${value.entries.length}`;
      return symbol(document, e, kind, detail, children);
    }
    return symbol(document, e, kind, value?.kind === 'array' ? listText(value) : scalarText(value));
  });
}
