/** Hover in key policies: actions and wildcards, condition operators and keys, policy elements. */
import type { JSONPath, Node } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver-types';
import { POLICY_ELEMENTS, PRINCIPAL_TYPES, STATEMENT_ELEMENTS } from '../core/policy/grammar';
import type { PolicyDocument } from '../core/policy/model';
import { locateNode } from '../core/policy/parse';
import { actionValueMarkdown, conditionKeyMarkdown, operatorMarkdown } from './docs';
import { findAction, isWildcard } from '../core/catalog/catalog';
import { effectiveAccess, type AccessResult } from '../core/evaluate/index';
import { accessAnalyzable } from '../core/rules/index';

export function doHover(document: TextDocument, position: Position, policy: PolicyDocument): Hover | null {
  const found = locateNode(policy, document.offsetAt(position));
  const node = found?.node;
  if (!node || node.type !== 'string' || !node.parent) return null;
  const markdown = describe(node, found.pathOf, policy);
  if (!markdown) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: markdown },
    range: { start: document.positionAt(node.offset), end: document.positionAt(node.offset + node.length) },
  };
}

function describe(node: Node, pathOf: (node: Node) => JSONPath, policy?: PolicyDocument): string | undefined {
  const parent = node.parent!;
  const isKey = parent.type === 'property' && parent.children?.[0] === node;
  // For a key, the path of its property's value; for a value, its own path.
  const path = isKey ? pathOf(parent.children?.[1] ?? parent) : pathOf(node);
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
  if ((rel[0] === 'Action' || rel[0] === 'NotAction') && rel.length <= 2) {
    const who = policy && whoCanMarkdown(policy, value);
    return actionValueMarkdown(value) + (who ? '\n\n' + who : '');
  }
  return undefined;
}

const SHOWN: readonly [AccessResult, string][] = [
  ['allowed', 'Allowed'],
  ['via-iam', 'Allowed if an IAM policy also allows it'],
  ['conditional', 'Depends on conditions'],
  ['denied', 'Explicitly denied'],
];

/** "Who can call it?" for one action, from the evaluator: the principals the policy names, and anyone else. */
function whoCanMarkdown(policy: PolicyDocument, value: string): string | undefined {
  const action = findAction(value);
  // Like the access rules: far over the AWS size limit, evaluating every principal costs 240 ms and 12 MB per hover.
  if (!action || isWildcard(value) || !accessAnalyzable(policy)) return undefined;
  const access = effectiveAccess(policy);
  const label = (p: (typeof access)[number]) =>
    p.origin === 'named' ? '`' + p.principal + '`' : p.origin === 'unnamed-same-account' ? `anyone else in ${p.account}` : p.origin === 'unnamed-other-account' ? 'anyone in another account' : 'AWS services';
  const lines = [`**Who can call ${action.fullName} under this policy**`, ''];
  for (const [result, title] of SHOWN) {
    const who = access.filter((p) => p.decisionOf(action).result === result);
    if (who.length) lines.push(`- ${title}: ${who.map(label).join(', ')}`);
  }
  return lines.length > 2 ? lines.join('\n') : undefined;
}

function elementDoc(elements: readonly { name: string; doc: string }[], name: string): string | undefined {
  const e = elements.find((x) => x.name === name);
  return e && `**${e.name}**: ${e.doc}`;
}
