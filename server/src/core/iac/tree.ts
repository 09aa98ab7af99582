/**
 * Synthetic trees with jsonc-parser's shape (type, value, offset, length, colonOffset, parent,
 * children), built from YAML and HCL so that the policy model, the rules, hover and completion
 * work unchanged on policies inside IaC files. Offsets are in the host file.
 */
import type { Node, NodeType } from 'jsonc-parser';
import type { EmbeddedNodeInfo } from '../policy/parse';
import type { Span } from '../policy/model';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type TreeNode = Mutable<Node> & EmbeddedNodeInfo & { children?: TreeNode[]; parent?: TreeNode };

/** What a value converts to when it is removed (`Fn::If` to `AWS::NoValue`): the element or property goes. */
export const REMOVED: TreeNode = Object.freeze({ type: 'null', offset: 0, length: 0, value: null }) as TreeNode;

export function makeNode(type: NodeType, span: Span, value?: unknown): TreeNode {
  const n: TreeNode = { type, offset: span.start, length: Math.max(0, span.end - span.start) };
  if (value !== undefined) n.value = value;
  if (type === 'object' || type === 'array' || type === 'property') n.children = [];
  return n;
}

export function append(parent: TreeNode, child: TreeNode): TreeNode {
  child.parent = parent;
  (parent.children ??= []).push(child);
  return child;
}

/** A `key: value` property. `end` defaults to the end of the value (or of the key). */
export function makeProperty(key: string, keySpan: Span, colonOffset: number | undefined, value: TreeNode | undefined, end?: number): TreeNode {
  const stop = end ?? (value ? value.offset + value.length : keySpan.end);
  const prop = makeNode('property', { start: keySpan.start, end: Math.max(stop, keySpan.end) });
  if (colonOffset !== undefined) prop.colonOffset = colonOffset;
  append(prop, makeNode('string', keySpan, key));
  if (value) append(prop, value);
  return prop;
}

/** The plain JSON value a tree stands for (synthetic values for intrinsics). */
export function toValue(node: TreeNode | undefined): unknown {
  if (!node) return null;
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k) out[String(k.value)] = toValue(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(toValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

/** Every node, depth first. */
export function* walkTree(node: TreeNode | undefined): Generator<TreeNode> {
  if (!node) return;
  const stack: TreeNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    const c = n.children;
    if (c) for (let i = c.length - 1; i >= 0; i--) stack.push(c[i]);
  }
}

export function spanOfNode(n: Node): Span {
  return { start: n.offset, end: n.offset + n.length };
}
