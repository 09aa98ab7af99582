/**
 * Edits to an embedded policy, written in its host's syntax at the host's indentation: YAML in a
 * YAML template, JSON in a JSON template or heredoc, HCL object syntax in `jsonencode`, and
 * `statement {}` blocks in an `aws_iam_policy_document`. Principals built with intrinsics or
 * references are written back as the user wrote them.
 *
 * - `statementsEdits(policy, statements)`: replace the statements (the least-privilege rewrite).
 * - `pathEdits(policy, path, value)`: set (or, with undefined, remove) the value at a JSON path,
 *   the way quick fixes use rewrite/edits.ts `setValue`.
 * - `shadowOf(policy)` / `fromShadow(...)`: run any JSON-based fix on a JSON copy of a YAML or
 *   HCL policy, and bring its effect back as host edits.
 */
import { applyEdits, findNodeAtLocation, findNodeAtOffset, getNodePath, parseTree, type JSONPath, type Node } from 'jsonc-parser';
import { POLICY_VERSION } from '../policy/grammar';
import type { PolicyDocument, Span } from '../policy/model';
import { parsePolicy } from '../policy/parse';
import { detectFormatting, setValue, type Edit } from '../rewrite/edits';
import { hclString, hclValue, policyDocumentStatements, yamlBlock, yamlScalar, yamlValue, type Json, type Style } from './serialize';
import { POLICY_DOCUMENT_NAMES } from './terraform';
import { toValue, type TreeNode } from './tree';
import { THIS_ACCOUNT } from './symbols';

export type { Edit } from '../rewrite/edits';

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const e = text.indexOf('\n', offset);
  return e < 0 ? text.length : e;
}

function indentOf(text: string, offset: number): string {
  const s = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(s, offset))![0];
}

function columnText(text: string, offset: number): string {
  // Indentation up to `offset` (a `- ` of a sequence item counts as indentation).
  return ' '.repeat(offset - lineStart(text, offset));
}

export function hostStyle(policy: PolicyDocument): Style {
  const f = detectFormatting(policy.text);
  const unit = f.unit;
  return { unit: policy.embedded?.form === 'yaml' && unit === '\t' ? '  ' : unit, eol: f.eol ?? '\n', raw: (v) => sourceFor(policy, v) };
}

/**
 * How to write a (synthetic) value in the host: as the user wrote it, or, for an ARN in "this
 * account" that the file never wrote (the root statement of delegate-to-iam), with the host's
 * own account intrinsic instead of the placeholder.
 */
export function sourceFor(policy: PolicyDocument, v: string): string | undefined {
  const e = policy.embedded;
  if (!e) return undefined;
  if (e.source[v] !== undefined) return e.source[v];
  const inAccount = /(^|:)000000000000(?=:|$)/g;
  if (!inAccount.test(v)) return undefined;
  const terraform = e.kind === 'terraform';
  const symbol = e.display[THIS_ACCOUNT] ?? (terraform ? '${data.aws_caller_identity.current.account_id}' : '${AWS::AccountId}');
  const replaced = v.replace(inAccount, (_m, p: string) => p + symbol);
  switch (e.form) {
    case 'yaml':
      return `!Sub '${replaced}'`;
    case 'json':
      return `{ "Fn::Sub": ${JSON.stringify(replaced)} }`;
    default:
      return JSON.stringify(replaced);
  }
}

/** JSON forms: writes synthetic principals back as their source (`{"Fn::GetAtt": [...]}`, `"${aws_iam_role.ci.arn}"`). */
export function restoreSources(policy: PolicyDocument, edits: readonly Edit[]): Edit[] {
  if (!policy.embedded) return [...edits];
  // Every JSON string in the new text that is a synthetic value (or holds the placeholder account).
  return edits.map((e) => ({
    ...e,
    content: e.content.replace(/"(?:[^"\\]|\\.)*"/g, (m) => {
      let v: string;
      try {
        v = JSON.parse(m) as string;
      } catch {
        return m;
      }
      return sourceFor(policy, v) ?? m;
    }),
  }));
}

/**
 * The edits a JSON-based change makes (a quick fix, the least-privilege rewrite), in the host's
 * syntax. `change` gets the policy as JSON: the embedded policy itself for the JSON forms (its
 * offsets are the host's), else its JSON shadow, whose effect is brought back as host edits.
 */
export function hostEdits(policy: PolicyDocument, change: (json: PolicyDocument) => readonly Edit[]): Edit[] {
  if (!policy.embedded) return [...change(policy)];
  if (policy.embedded.escapedString) return []; // edits would have to be escaped: none offered
  if (isJsonForm(policy)) return restoreSources(policy, change(policy));
  const shadow = shadowOf(policy);
  const edits = change(shadow.policy);
  return edits.length ? fromShadow(policy, shadow, edits) : [];
}

function isJsonForm(policy: PolicyDocument): boolean {
  const f = policy.embedded?.form;
  return f === 'json' || f === 'heredoc-json';
}

// ---- statements ------------------------------------------------------------------------------

/** Edits that replace the policy's statements (and add a Version if it has none), in the host's syntax. */
export function statementsEdits(policy: PolicyDocument, statements: readonly { [key: string]: Json }[]): Edit[] {
  const e = policy.embedded;
  const root = policy.root as TreeNode | undefined;
  if (!e || !root || e.escapedString) return [];
  const text = policy.text;
  const style = hostStyle(policy);
  if (isJsonForm(policy)) {
    const edits = setValue(text, ['Statement'], statements);
    if (!policy.version) edits.unshift(...setValue(text, ['Version'], POLICY_VERSION, 0));
    return restoreSources(policy, edits);
  }
  if (e.form === 'policy-document') {
    const array = findNodeAtLocation(root, ['Statement']);
    const blocks = array?.children ?? [];
    if (!blocks.length) {
      const at = e.span.end - 1; // before the data block's closing brace
      const indent = indentOf(text, e.span.start) + style.unit;
      return [{ offset: at, length: 0, content: policyDocumentStatements(statements, indent, style) + style.eol + indentOf(text, e.span.start) }];
    }
    const first = blocks[0];
    const indent = indentOf(text, first.offset);
    const edits: Edit[] = [{ offset: first.offset, length: first.length, content: policyDocumentStatements(statements, indent, style).slice(indent.length) }];
    for (const b of blocks.slice(1)) edits.push(removeLines(text, b.offset, b.offset + b.length, true));
    return edits;
  }
  const edits = pathEdits(policy, ['Statement'], statements as Json);
  if (!policy.version) edits.push(...pathEdits(policy, ['Version'], POLICY_VERSION));
  return edits;
}

/** Removes whole lines from the one holding `start` to the one holding `end`, and one blank line before them if `blankBefore`. */
function removeLines(text: string, start: number, end: number, blankBefore = false): Edit {
  let s = lineStart(text, start);
  let e = lineEnd(text, end);
  if (e < text.length) e++;
  if (blankBefore && s >= 2 && text[s - 1] === '\n') {
    const prev = lineStart(text, s - 1);
    if (text.slice(prev, s - 1).trim() === '') s = prev;
  }
  return { offset: s, length: e - s, content: '' };
}

// ---- one path ---------------------------------------------------------------------------------

/** Sets (or with `undefined` removes) the value at `path`, in the host's syntax. */
export function pathEdits(policy: PolicyDocument, path: JSONPath, value: Json | undefined): Edit[] {
  const e = policy.embedded;
  const root = policy.root as TreeNode | undefined;
  if (!e || !root) return [];
  const text = policy.text;
  if (isJsonForm(policy)) return restoreSources(policy, setValue(text, path, value));
  if (path.length === 1 && path[0] === 'Statement' && e.form === 'policy-document' && Array.isArray(value)) {
    return statementsEdits(policy, value as { [key: string]: Json }[]);
  }
  const style = hostStyle(policy);
  const node = findNodeAtLocation(root, path) as TreeNode | undefined;
  const parentPath = path.slice(0, -1);
  const parent = (parentPath.length ? findNodeAtLocation(root, parentPath) : root) as TreeNode | undefined;
  if (node && node.length === 0 && node.type !== 'array' && node.type !== 'object') {
    // A synthetic default (policy-document Effect or Version): set means writing the attribute.
    if (value === undefined) return [];
    return addProperty(policy, parent, String(path[path.length - 1]), value, style);
  }
  if (value === undefined) return node ? [removeNode(policy, node, style)] : [];
  if (node) return [replaceNode(policy, node, value, style)];
  if (!parent) return [];
  const last = path[path.length - 1];
  if (typeof last === 'number') return parent.type === 'array' ? [appendItem(policy, parent, value, style)] : [];
  return addProperty(policy, parent, last, value, style);
}

function replaceNode(policy: PolicyDocument, node: TreeNode, value: Json, style: Style): Edit {
  const text = policy.text;
  const form = policy.embedded!.form;
  const collection = Array.isArray(value) || (typeof value === 'object' && value !== null);
  const inSequence = node.parent?.type === 'array';
  if (form === 'yaml') {
    if (!collection) {
      const old = text[node.offset];
      const scalar = typeof value === 'string' && (old === '"' || old === "'") && style.raw?.(value) === undefined
        ? old === '"' ? JSON.stringify(value) : `'${value.replace(/'/g, "''")}'`
        : yamlScalar(value as string, style, inSequence);
      return { offset: node.offset, length: node.length, content: scalar };
    }
    const block = (node.type === 'object' || node.type === 'array') && text[node.offset] !== '[' && text[node.offset] !== '{' && !node.written;
    if (block || inSequence) {
      const col = columnText(text, node.offset);
      const y = yamlBlock(value, col, style);
      return { offset: node.offset, length: node.length, content: y.slice(col.length) };
    }
    // A scalar or flow value after `key:` becomes a block on the next lines.
    const prop = node.parent!;
    const keyIndent = indentOf(text, prop.offset);
    const from = prop.colonOffset !== undefined ? prop.colonOffset + 1 : node.offset;
    return { offset: from, length: node.offset + node.length - from, content: yamlValue(value, keyIndent + style.unit, style) };
  }
  // HCL object syntax and policy-document attributes.
  const indent = indentOf(text, node.offset);
  let v: Json = value;
  if (form === 'policy-document' && !collection && node.parent?.type === 'property' && isListAttribute(node.parent)) v = [value];
  return { offset: node.offset, length: node.length, content: hclValue(v, indent, style) };
}

/**
 * In an aws_iam_policy_document every attribute but `sid`, `effect`, `version` and `policy_id` is a
 * list: actions and resources, and under Principal and Condition `identifiers` and `values`
 * (`identifiers = "*"` is a Terraform error). A scalar written there goes in brackets.
 */
function isListAttribute(prop: TreeNode): boolean {
  const name = String(prop.children?.[0]?.value);
  return !['Sid', 'Effect', 'Version', 'Id'].includes(name);
}

function removeNode(policy: PolicyDocument, node: TreeNode, style: Style): Edit {
  const text = policy.text;
  const target = node.parent?.type === 'property' ? node.parent : node;
  const start = target.offset;
  const end = target.offset + target.length;
  const before = text.slice(lineStart(text, start), start);
  const after = text.slice(end, lineEnd(text, end));
  const alone = /^[ \t]*(- )?[ \t]*$/.test(before) && /^[ \t]*,?[ \t]*(#.*)?$/.test(after);
  if (alone) return removeLines(text, start, end);
  // Inline: remove with the comma after it (or before it, for the last item).
  const comma = /^\s*,\s*/.exec(text.slice(end));
  if (comma) return { offset: start, length: end - start + comma[0].length, content: '' };
  const prev = /,\s*$/.exec(text.slice(0, start));
  if (prev) return { offset: start - prev[0].length, length: end - start + prev[0].length, content: '' };
  void style;
  return { offset: start, length: end - start, content: '' };
}

function appendItem(policy: PolicyDocument, array: TreeNode, value: Json, style: Style): Edit {
  const text = policy.text;
  const form = policy.embedded!.form;
  const items = array.children ?? [];
  const last = items[items.length - 1];
  const flow = text[array.offset] === '[';
  if (!last) {
    const content = form === 'yaml' ? `[${yamlScalar(value as string, style, true)}]` : `[${hclValue(value, '', style)}]`;
    return { offset: array.offset, length: array.length, content };
  }
  const end = last.offset + last.length;
  if (form === 'yaml' && !flow) {
    const col = columnText(text, last.offset);
    return { offset: end, length: 0, content: style.eol + col.slice(2) + yamlBlock([value], col.slice(2), style).trimStart() };
  }
  const v = form === 'yaml' ? yamlScalar(value as string, style, true) : hclValue(value, indentOf(text, last.offset), style);
  return { offset: end, length: 0, content: ', ' + v };
}

function addProperty(policy: PolicyDocument, parent: TreeNode | undefined, key: string, value: Json, style: Style): Edit[] {
  if (!parent || parent.type !== 'object') return [];
  const text = policy.text;
  const form = policy.embedded!.form;
  const props = (parent.children ?? []).filter((p) => p.length > 0);
  if (form === 'policy-document') {
    // A statement block (or the data block for Version): add the attribute after its opening line.
    const name = POLICY_DOCUMENT_NAMES[key];
    if (!name || typeof value === 'object' && value !== null && !Array.isArray(value)) return [];
    const open = text.indexOf('{', parent.offset);
    if (open < 0) return [];
    const indent = indentOf(text, parent.offset) + style.unit;
    const v = ['Action', 'NotAction', 'Resource', 'NotResource'].includes(key) && !Array.isArray(value) ? [value] : value;
    return [{ offset: lineEnd(text, open), length: 0, content: style.eol + indent + name + ' = ' + hclValue(v, indent, style) }];
  }
  const first = props[0];
  const lastProp = props[props.length - 1];
  if (!first || !lastProp) return [];
  const indent = columnText(text, first.offset);
  const line = form === 'yaml' ? yamlKeyLine(key, value, indent, style) : `${/^[A-Za-z_][\w-]*$/.test(key) ? key : hclString(key)} = ${hclValue(value, indent, style)}`;
  if (key === 'Version') return [{ offset: first.offset, length: 0, content: line + style.eol + indent }];
  const sameLine = lineStart(text, first.offset) === lineStart(text, lastProp.offset + lastProp.length);
  if (sameLine) {
    // `{ AWS = "x" }` or `{ AWS: x }`: add inline.
    return [{ offset: lastProp.offset + lastProp.length, length: 0, content: (form === 'yaml' ? ', ' : ', ') + line.replace(/\n\s*/g, ' ') }];
  }
  return [{ offset: lastProp.offset + lastProp.length, length: 0, content: style.eol + indent + line }];
}

function yamlKeyLine(key: string, value: Json, indent: string, style: Style): string {
  return yamlScalar(key) + ':' + yamlValue(value, indent + style.unit, style);
}

// ---- the JSON shadow of a YAML or HCL policy ---------------------------------------------------

export interface Shadow {
  /** The policy as JSON text, parsed: every JSON-based feature (quick fixes, the rewrite) runs on it. */
  readonly policy: PolicyDocument;
  readonly value: unknown;
}

export function shadowOf(policy: PolicyDocument): Shadow {
  const value = toValue(policy.root as TreeNode | undefined);
  const text = JSON.stringify(value, null, 2) + '\n';
  // Found by path below (toShadowSpan, pathEdits): the whole tree.
  return { policy: parsePolicy(text, { wholeTree: true }), value };
}

/** A host span (a diagnostic's) in the shadow: the same node (key or value) found by its path. */
export function toShadowSpan(policy: PolicyDocument, shadow: Shadow, span: Span): Span | undefined {
  const root = policy.root;
  const sroot = shadow.policy.root;
  if (!root || !sroot) return undefined;
  const node = findNodeAtOffset(root, span.start, false) ?? findNodeAtOffset(root, span.start, true);
  if (!node) return undefined;
  const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
  const path = isKey ? getNodePath(node.parent!.children?.[1] ?? node.parent!) : getNodePath(node);
  let target: Node | undefined = findNodeAtLocation(sroot, path);
  if (isKey) target = target?.parent?.children?.[0];
  if (!target) return undefined;
  const exact = span.start === node.offset && span.end === node.offset + node.length;
  return exact ? { start: target.offset, end: target.offset + target.length } : { start: target.offset, end: target.offset + Math.min(target.length, Math.max(1, span.end - span.start)) };
}

/** Host edits with the effect that `edits` have on the shadow. */
export function fromShadow(policy: PolicyDocument, shadow: Shadow, edits: readonly Edit[]): Edit[] {
  const after = applyEdits(shadow.policy.text, [...edits]);
  const errors: never[] = [];
  const tree = parseTree(after, errors);
  if (!tree) return [];
  const next = toValue(tree as TreeNode) as Json;
  const changes: Change[] = [];
  diff(shadow.value as Json, next, [], changes);
  const out: Edit[] = [];
  // Removals from the end, so earlier array indexes stay right; all are computed on the original tree.
  for (const c of changes) out.push(...(c.rename !== undefined ? renameEdits(policy, c.path, c.rename) : pathEdits(policy, c.path, c.value)));
  return dedupe(out);
}

/** A change to the shadow: set (or remove) the value at a path, or rename the key at a path. */
interface Change {
  readonly path: JSONPath;
  readonly value?: Json;
  readonly rename?: string;
}

/**
 * Renames the key at `path` where the host writes it (a YAML key, an HCL `test = "..."`), quoted
 * as the host quotes it: a condition operator becoming its `...Like` form keeps its place.
 */
function renameEdits(policy: PolicyDocument, path: JSONPath, key: string): Edit[] {
  const root = policy.root as TreeNode | undefined;
  const value = root && (findNodeAtLocation(root, path) as TreeNode | undefined);
  const keyNode = value?.parent?.type === 'property' ? value.parent.children?.[0] : undefined;
  if (!keyNode || keyNode.length === 0) return [];
  const quote = policy.text[keyNode.offset];
  const content = quote === '"' ? JSON.stringify(key) : quote === "'" ? `'${key.replace(/'/g, "''")}'` : key;
  return [{ offset: keyNode.offset, length: keyNode.length, content }];
}

function dedupe(edits: Edit[]): Edit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const k = `${e.offset}:${e.length}:${e.content}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function isObj(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function diff(a: Json | undefined, b: Json | undefined, path: JSONPath, out: Change[]): void {
  if (equal(a, b)) return;
  if (isObj(a) && isObj(b)) {
    // One key renamed, its value unchanged: a rename, not a removal and an addition.
    const gone = Object.keys(a).filter((k) => !(k in b));
    const added = Object.keys(b).filter((k) => !(k in a));
    if (gone.length === 1 && added.length === 1 && equal(a[gone[0]], b[added[0]])) {
      out.push({ path: [...path, gone[0]], rename: added[0] });
      for (const k of Object.keys(b)) if (k !== added[0]) diff(a[k], b[k], [...path, k], out);
      return;
    }
    for (const k of Object.keys(a)) if (!(k in b)) out.push({ path: [...path, k], value: undefined });
    for (const k of Object.keys(b)) {
      if (!(k in a)) out.push({ path: [...path, k], value: b[k] });
      else diff(a[k], b[k], [...path, k], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length === b.length) {
      a.forEach((x, i) => diff(x, b[i], [...path, i], out));
      return;
    }
    if (b.length === a.length - 1) {
      const i = a.findIndex((x, j) => !equal(x, b[j]));
      if (i >= 0 && equal([...a.slice(0, i), ...a.slice(i + 1)], b)) {
        out.push({ path: [...path, i], value: undefined });
        return;
      }
    }
    if (b.length === a.length + 1 && equal(a, b.slice(0, -1))) {
      out.push({ path: [...path, a.length], value: b[b.length - 1] });
      return;
    }
  }
  out.push({ path, value: b });
}
