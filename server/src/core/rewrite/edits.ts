/**
 * Text edits that keep the document's formatting. An edit touches only the value it changes:
 * neighbours keep their layout, new values are written at the indentation of where they go,
 * on one line when their container is on one line, and with the document's indent unit and
 * line ending. (jsonc-parser's `modify` reformats the whole container, which we do not want.)
 */
import { findNodeAtLocation, parseTree, type Edit, type JSONPath, type Node } from 'jsonc-parser';
import type { Span } from '../policy/model';

export type { Edit } from 'jsonc-parser';

export interface Formatting {
  /** One indent step: two spaces, four spaces or a tab. */
  readonly unit: string;
  readonly eol: string;
}

/** The indentation and line ending the document already uses (two spaces and \n when it shows none). */
export function detectFormatting(text: string): Formatting {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indents = [...text.matchAll(/\n([ \t]+)\S/g)].map((m) => m[1]);
  if (indents.some((i) => i.startsWith('\t'))) return { unit: '\t', eol };
  const sizes = indents.map((i) => i.length).filter((n) => n > 0);
  const step = sizes.length ? sizes.reduce(gcd) : 2;
  return { unit: ' '.repeat(step > 0 && step <= 8 ? step : 2), eol };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Replaces a span with text. */
export function replaceSpan(span: Span, content: string): Edit {
  return { offset: span.start, length: span.end - span.start, content };
}

/** `{"a": 1, "b": [1, 2]}`: the one-line form people write by hand. */
export function compactJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compactJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${compactJson(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** Multi-line JSON whose first line continues the current line and whose other lines start at `indent`. */
export function blockJson(value: unknown, indent: string, f: Formatting): string {
  return JSON.stringify(value, null, f.unit).split('\n').join(f.eol + indent);
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

function isMultiline(text: string, node: Node): boolean {
  return text.slice(node.offset, node.offset + node.length).includes('\n');
}

/** How a value is written where it goes: one line inside a one-line container, a block otherwise. */
function render(text: string, value: unknown, container: Node, indent: string, f: Formatting): string {
  return isMultiline(text, container) ? blockJson(value, indent, f) : compactJson(value);
}

/**
 * Sets the value at `path` (replacing it, or adding the property or array element), or with
 * `undefined` removes it. `-1` as the last segment appends to an array. `insertAt` puts a new
 * property at that index of its object.
 */
export function setValue(text: string, path: JSONPath, value: unknown, insertAt?: number): Edit[] {
  const root = parseTree(text, [], { allowTrailingComma: true });
  if (!root) return value === undefined ? [] : [{ offset: 0, length: text.length, content: blockJson(value, '', detectFormatting(text)) }];
  const f = detectFormatting(text);
  const existing = path[path.length - 1] === -1 ? undefined : findNodeAtLocation(root, path);
  if (existing) {
    if (value === undefined) return [remove(text, existing.parent?.type === 'property' ? existing.parent : existing)];
    const indent = lineIndent(text, existing.offset);
    const content = isMultiline(text, existing) || (isMultiline(text, existing.parent?.parent ?? existing) && typeof value === 'object' && value !== null)
      ? blockJson(value, indent, f)
      : compactJson(value);
    return [{ offset: existing.offset, length: existing.length, content }];
  }
  if (value === undefined) return [];
  const parent = findNodeAtLocation(root, path.slice(0, -1));
  if (!parent) {
    // Create the missing parent first, with this value inside it.
    const key = path[path.length - 1];
    return setValue(text, path.slice(0, -1), typeof key === 'number' ? [value] : { [key]: value }, insertAt);
  }
  const key = path[path.length - 1];
  if (parent.type === 'object' && typeof key === 'string') return [insert(text, parent, `${JSON.stringify(key)}: `, value, f, insertAt)];
  if (parent.type === 'array') return [insert(text, parent, '', value, f, typeof key === 'number' && key >= 0 ? key : undefined)];
  return [];
}

/** Inserts a member into an object or array, after its previous sibling, in the container's layout. */
function insert(text: string, container: Node, prefix: string, value: unknown, f: Formatting, at?: number): Edit {
  const children = container.children ?? [];
  const index = at === undefined ? children.length : Math.min(at, children.length);
  const multiline = isMultiline(text, container);
  const childIndent = children.length ? lineIndent(text, children[0].offset) : lineIndent(text, container.offset) + f.unit;
  const body = prefix + (multiline || children.length === 0 ? render(text, value, container, childIndent, f) : compactJson(value));
  if (children.length === 0) {
    const open = container.offset + 1;
    const close = container.offset + container.length - 1;
    const outer = lineIndent(text, container.offset);
    return multiline || typeof value === 'object'
      ? { offset: open, length: close - open, content: `${f.eol}${childIndent}${blockJson(value, childIndent, f).replace(/^/, prefix)}${f.eol}${outer}` }
      : { offset: open, length: close - open, content: body };
  }
  if (index < children.length) {
    const next = children[index];
    return multiline
      ? { offset: next.offset, length: 0, content: `${body},${f.eol}${lineIndent(text, next.offset)}` }
      : { offset: next.offset, length: 0, content: `${body}, ` };
  }
  const last = children[children.length - 1];
  const end = last.offset + last.length;
  return multiline ? { offset: end, length: 0, content: `,${f.eol}${childIndent}${body}` } : { offset: end, length: 0, content: `, ${body}` };
}

/** Removes a property or an array element together with the comma and line break that belong to it. */
function remove(text: string, node: Node): Edit {
  const siblings = node.parent?.children ?? [];
  const i = siblings.indexOf(node);
  if (i > 0) {
    const prev = siblings[i - 1];
    const from = prev.offset + prev.length;
    return { offset: from, length: node.offset + node.length - from, content: '' };
  }
  if (siblings.length > 1) {
    const next = siblings[1];
    return { offset: node.offset, length: next.offset - node.offset, content: '' };
  }
  // The only member: empty the container, keeping its brackets.
  const container = node.parent!;
  return { offset: container.offset + 1, length: container.length - 2, content: '' };
}

export function apply(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.offset - a.offset)) out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  return out;
}
