/** Hover in key policies: actions and wildcards, condition operators and keys, policy elements. */
import { findNodeAtOffset, getNodePath, type Node } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver-types';
import { POLICY_ELEMENTS, PRINCIPAL_TYPES, STATEMENT_ELEMENTS } from '../core/policy/grammar';
import type { PolicyDocument } from '../core/policy/model';
import { actionValueMarkdown, conditionKeyMarkdown, operatorMarkdown } from './docs';

export function doHover(document: TextDocument, position: Position, policy: PolicyDocument): Hover | null {
  if (!policy.root) return null;
  const offset = document.offsetAt(position);
  const node = findNodeAtOffset(policy.root, offset, false);
  if (!node || node.type !== 'string' || !node.parent) return null;
  const markdown = describe(node);
  if (!markdown) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: markdown },
    range: { start: document.positionAt(node.offset), end: document.positionAt(node.offset + node.length) },
  };
}

function describe(node: Node): string | undefined {
  const parent = node.parent!;
  const isKey = parent.type === 'property' && parent.children?.[0] === node;
  // For a key, the path of its property's value; for a value, its own path.
  const path = isKey ? getNodePath(parent.children?.[1] ?? parent) : getNodePath(node);
  const value = String(node.value);

  const stmtLength = path[0] !== 'Statement' ? -1 : typeof path[1] === 'number' ? 2 : 1;
  const rel = stmtLength > 0 ? path.slice(stmtLength) : [];

  if (isKey) {
    if (path.length === 1) return elementDoc(POLICY_ELEMENTS, value);
    if (stmtLength > 0 && rel.length === 1) return elementDoc(STATEMENT_ELEMENTS, value);
    if (rel[0] === 'Condition' && rel.length === 2) return operatorMarkdown(value);
    if (rel[0] === 'Condition' && rel.length === 3) return conditionKeyMarkdown(value);
    if ((rel[0] === 'Principal' || rel[0] === 'NotPrincipal') && rel.length === 2) return elementDoc(PRINCIPAL_TYPES, value);
    return undefined;
  }
  if ((rel[0] === 'Action' || rel[0] === 'NotAction') && rel.length <= 2) return actionValueMarkdown(value);
  return undefined;
}

function elementDoc(elements: readonly { name: string; doc: string }[], name: string): string | undefined {
  const e = elements.find((x) => x.name === name);
  return e && `**${e.name}**: ${e.doc}`;
}
