/**
 * Where an offset is in a YAML or HCL policy, in the terms of jsonc-parser's `getLocation`
 * (the JSON path, key or value, the token typed so far), so that completion works unchanged.
 * Half-typed text is the normal case here: a YAML key without its colon folds into the scalar
 * above it, so YAML positions are also read from the indentation, which is YAML's own syntax.
 */
import { findNodeAtOffset, getNodePath, type JSONPath, type Location, type Node, type Segment } from 'jsonc-parser';
import type { PolicyDocument } from '../policy/model';
import { makeNode, walkTree, type TreeNode } from './tree';

function location(path: JSONPath, isAtPropertyKey: boolean, previousNode?: Node): Location {
  return {
    path,
    isAtPropertyKey,
    previousNode,
    matches: (pattern: Segment[]) => pattern.length === path.length && pattern.every((p, i) => p === '*' || p === path[i]),
  };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

function token(start: number, value: string): Node {
  return makeNode('string', { start, end: start + value.length }, value);
}

/** A locate function for `doComplete`, for a policy embedded in YAML or HCL. */
export function locator(policy: PolicyDocument): (text: string, offset: number) => Location {
  const root = policy.root as TreeNode | undefined;
  const yaml = policy.embedded?.form === 'yaml';
  return (text, offset) => {
    if (!root) return location([], false);
    const node = findNodeAtOffset(root, offset, true) as TreeNode | undefined;
    const ls = lineStart(text, offset);
    const sameLine = (n: Node) => lineStart(text, n.offset) === ls;
    if (node && (node.type === 'string' || node.type === 'number' || node.type === 'boolean') && offset > node.offset && (!yaml || sameLine(node))) {
      if (node.written) return location([], false);
      const parent = node.parent;
      const isKey = parent?.type === 'property' && parent.children?.[0] === node;
      return location(getNodePath(node), isKey, node);
    }
    return yaml ? locateYaml(text, offset, root) : locateHcl(text, offset, root, node);
  };
}

function locateHcl(text: string, offset: number, root: TreeNode, node: TreeNode | undefined): Location {
  let container = node;
  while (container && container.type !== 'object' && container.type !== 'array') container = container.parent;
  if (!container) return location([], false);
  const path = getNodePath(container);
  if (container.type === 'array') {
    const index = (container.children ?? []).filter((c) => c.offset + c.length <= offset).length;
    return location([...path, index], false);
  }
  // After `key =` with no value yet.
  const pending = (container.children ?? []).find(
    (p) => p.children?.length === 1 && p.colonOffset !== undefined && p.colonOffset < offset && lineStart(text, p.colonOffset) === lineStart(text, offset),
  );
  if (pending) return location([...path, String(pending.children![0].value)], false);
  // An identifier being typed that the parser could not place yet (`eff` on its own line).
  let start = offset;
  while (start > 0 && /[A-Za-z0-9_-]/.test(text[start - 1])) start--;
  const typed = text.slice(start, offset);
  return location([...path, typed], true, typed ? token(start, typed) : undefined);
}

function locateYaml(text: string, offset: number, root: TreeNode): Location {
  const ls = lineStart(text, offset);
  const before = text.slice(ls, offset);
  const m = /^(\s*)(- +)?(.*)$/.exec(before)!;
  const rest = m[3];
  const col = m[1].length + (m[2]?.length ?? 0);
  const keyed = /^([^\s:#'"][^:#]*?|'[^']*'|"[^"]*"):(\s+(.*))?$/.exec(rest);
  const objects = [...walkTree(root)].filter((n) => n.type === 'object' && n.offset <= offset && (n.children?.length ?? 0) > 0);
  const mappingAt = (c: number) => {
    let best: TreeNode | undefined;
    for (const o of objects) {
      const first = o.children!.find((p) => p.length > 0);
      if (first && column(text, first.offset) === c && (!best || o.offset >= best.offset)) best = o;
    }
    return best;
  };
  if (keyed && !m[2]) {
    // `Key: |` : the value of Key, in the mapping at this column.
    const obj = mappingAt(col);
    const key = keyed[1].replace(/^['"]|['"]$/g, '');
    if (!obj) return location([], false);
    const typed = keyed[3] ?? '';
    return location([...getNodePath(obj), key], false, typed ? token(offset - typed.length, typed) : undefined);
  }
  if (m[2]) {
    // `- |`: a new item of the sequence whose items start at this column.
    const arrays = [...walkTree(root)].filter((n) => n.type === 'array' && n.offset <= offset && (n.children ?? []).some((c) => column(text, c.offset) === col));
    const arr = arrays.sort((a, b) => b.offset - a.offset)[0];
    if (!arr) return location([], false);
    const index = (arr.children ?? []).filter((c) => c.offset < ls).length;
    const itemsAreMaps = (arr.children ?? []).some((c) => c.type === 'object');
    const path = [...getNodePath(arr), index];
    if (keyed) {
      const typed = keyed[3] ?? '';
      return location([...path, keyed[1]], false, typed ? token(offset - typed.length, typed) : undefined);
    }
    if (itemsAreMaps) return location([...path, rest], true, rest ? token(offset - rest.length, rest) : undefined);
    return location(path, false, rest ? token(offset - rest.length, rest) : undefined);
  }
  // A key being typed on its own line: the mapping whose keys are at this column.
  if (/^[^\s:#]*$/.test(rest)) {
    const obj = mappingAt(col);
    if (obj) return location([...getNodePath(obj), rest], true, rest ? token(offset - rest.length, rest) : undefined);
  }
  return location([], false);
}
