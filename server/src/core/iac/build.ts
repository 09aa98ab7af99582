/** Shared steps of the IaC readers: the embedded PolicyDocument and symbolic scalars. */
import type { ParseError } from 'jsonc-parser';
import type { PolicyDocument, Span } from '../policy/model';
import { policyFromTree } from '../policy/parse';
import { utf8Length } from '../rules/util';
import type { Resolved, Segment, Symbols, ValueRole } from './symbols';
import { makeNode, toValue, type TreeNode } from './tree';
import type { EmbeddedInfo } from './types';

export type PolicyPlace = Omit<EmbeddedInfo, 'display' | 'source' | 'bytes'>;

export function embeddedPolicy(text: string, root: TreeNode | undefined, errors: ParseError[], place: PolicyPlace, symbols: Symbols): PolicyDocument {
  const base = policyFromTree(text, root, errors);
  let bytes = 0;
  try {
    bytes = utf8Length(JSON.stringify(toValue(root)) ?? '');
  } catch {
    bytes = 0;
  }
  const unknown = [...(base.unknown ?? []), ...symbols.unknown];
  return { ...base, ...(unknown.length ? { unknown } : {}), embedded: { ...place, display: symbols.display, source: symbols.source, bytes } };
}

/** A string node for a value built with intrinsics or references. */
export function symbolicNode(span: Span, segments: readonly Segment[], principal: ValueRole, written: string, source: string, symbols: Symbols): TreeNode {
  const resolved: Resolved = symbols.resolve(segments, principal);
  const node = makeNode('string', span, resolved.value);
  node.written = written;
  if (!resolved.concrete) node.opaque = true;
  else if (segments.some((s) => 'sym' in s)) symbols.remember(resolved.value, written, source);
  return node;
}

/** Whitespace runs collapsed: how a multi-line intrinsic reads in a one-line message. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
