/**
 * Where the cursor is in a spec being typed, for completion: the path of the field, whether a
 * key, a value or a list item is expected, and the range a completion replaces. YAML is read
 * line by line (indentation decides the parent), because a half-typed YAML document often parses
 * into something else (`access:\n  read-d` is a string). JSON uses jsonc-parser's location.
 */
import { getLocation, type Node } from 'jsonc-parser';
import type { Span } from '../policy/model';
import type { SpecFormat } from './model';

export type CursorPosition = 'key' | 'value' | 'item';

export interface SpecCursor {
  readonly format: SpecFormat;
  /**
   * For `key`: the path of the mapping the key goes in. For `value`: the path of the field whose
   * value is typed. For `item`: the path of the list.
   */
  readonly path: readonly string[];
  readonly position: CursorPosition;
  /** The range a completion replaces (the token being typed, quotes included). */
  readonly replace: Span;
  /** What is typed so far, without quotes. */
  readonly prefix: string;
  /** JSON: the token is a string with quotes (they are part of `replace`). YAML: a quote is open. */
  readonly quoted: boolean;
  /** YAML key: a colon already follows the key. YAML value: no space after the colon yet. */
  readonly colonFollows?: boolean;
  readonly needsSpace?: boolean;
  /** YAML: inside a flow list `[a, b]`, or on a `- ` line. */
  readonly flow?: boolean;
  /** YAML: the indentation of the line, for multi-line inserts. */
  readonly indent: string;
}

export function cursorAt(text: string, offset: number, format: SpecFormat): SpecCursor | undefined {
  return format === 'json' ? jsonCursor(text, offset) : yamlCursor(text, offset);
}

// ---- JSON ------------------------------------------------------------------------------------

function jsonCursor(text: string, offset: number): SpecCursor | undefined {
  const location = getLocation(text, offset);
  const path = location.path;
  const prev: Node | undefined = location.previousNode;
  let replace: Span = { start: offset, end: offset };
  let prefix = '';
  let quoted = false;
  if (prev && (prev.type === 'string' || prev.type === 'property') && offset > prev.offset && offset <= prev.offset + prev.length) {
    const token = text.slice(prev.offset, prev.offset + prev.length);
    const closed = token.length >= 2 && token.endsWith('"') && !token.endsWith('\\"');
    if (closed && offset === prev.offset + prev.length) return undefined; // after the closing quote
    const tail = text.slice(offset, closed ? prev.offset + prev.length - 1 : prev.offset + prev.length);
    const clean = closed && /^[\w:*?.\-/@+=,]*$/.test(tail);
    replace = { start: prev.offset, end: clean ? prev.offset + prev.length : offset };
    prefix = text.slice(prev.offset + 1, offset);
    quoted = true;
  } else {
    const m = /[\w.-]*$/.exec(text.slice(0, offset));
    if (m && m[0]) {
      replace = { start: offset - m[0].length, end: offset };
      prefix = m[0];
    }
  }
  const line = text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset);
  const indent = /^[ \t]*/.exec(line)![0];
  if (location.isAtPropertyKey) {
    const parent = path.slice(0, -1);
    if (parent.some((p) => typeof p === 'number')) return undefined;
    return { format: 'json', path: parent as string[], position: 'key', replace, prefix, quoted, indent };
  }
  if (path.length === 0) return undefined;
  const last = path[path.length - 1];
  if (typeof last === 'number') {
    const listPath = path.slice(0, -1);
    if (listPath.some((p) => typeof p === 'number')) return undefined;
    return { format: 'json', path: listPath as string[], position: 'item', replace, prefix, quoted, indent };
  }
  if (path.some((p) => typeof p === 'number')) return undefined;
  return { format: 'json', path: path as string[], position: 'value', replace, prefix, quoted, indent };
}

// ---- YAML ------------------------------------------------------------------------------------

const KEY = String.raw`("[^"]*"|'[^']*'|[^\s#:"'\[\]{},-][^#:]*?|-[^\s#:][^#:]*?)`;
const KEY_LINE = new RegExp(`^(\\s*)${KEY}\\s*:(\\s*)(.*)$`);

function unquote(key: string): string {
  return /^(["']).*\1$/.test(key) ? key.slice(1, -1) : key.trim();
}

/** Index of a `#` that starts a comment in a line prefix (outside quotes, after a space or at the start), or -1. */
function commentStart(s: string): number {
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return i;
  }
  return -1;
}

/** Index of the `[` of a flow list still open at the end of `s`, or -1. */
function openFlow(s: string): number {
  const stack: number[] = [];
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') stack.push(i);
    else if (c === ']') stack.pop();
  }
  return stack.length ? stack[stack.length - 1] : -1;
}

interface Line {
  readonly indent: number;
  readonly content: string;
}

function linesBefore(text: string, lineStart: number): Line[] {
  const out: Line[] = [];
  for (const raw of text.slice(0, lineStart).split('\n')) {
    const line = raw.replace(/\r$/, '');
    const indent = /^ */.exec(line)![0].length;
    out.push({ indent, content: line.slice(indent) });
  }
  return out;
}

/**
 * The path of the mapping a line at `indent` belongs to: the keys of the nearest lines above with
 * less indentation that end with `key:`. A list item (`- x`) may sit at its key's own indentation.
 * Undefined when the line continues a scalar (a block scalar, or a plain scalar folded onto it).
 */
function parentPath(lines: readonly Line[], indent: number, item: boolean): string[] | undefined {
  const path: string[] = [];
  let threshold = indent;
  let allowSame = item;
  for (let i = lines.length - 1; i >= 0 && threshold > 0; i--) {
    const { indent: n, content } = lines[i];
    if (content === '' || content.startsWith('#')) continue;
    if (content.startsWith('- ') || content === '-') {
      if (n < threshold) return undefined; // inside a list of mappings: not in this schema
      continue;
    }
    if (content === '---') break;
    if (n > threshold || (n === threshold && !allowSame)) continue;
    const m = KEY_LINE.exec(content);
    if (!m) return n < threshold ? undefined : path.length ? path : undefined;
    const rest = m[4].trim();
    const hasValue = rest !== '' && !rest.startsWith('#');
    if (n === threshold) {
      // Same indentation: only a `key:` with no value can own a list item here.
      if (hasValue) continue;
    } else if (hasValue) {
      if (/^[|>]/.test(rest)) return undefined; // inside a block scalar
      return undefined; // a plain scalar continued on this line
    }
    path.unshift(unquote(m[2]));
    threshold = n;
    allowSame = false;
  }
  return path;
}

function yamlCursor(text: string, offset: number): SpecCursor | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
  const before = line.slice(0, offset - lineStart);
  const after = line.slice(offset - lineStart);
  if (commentStart(before) >= 0) return undefined;
  if (before.includes('\t') && /^\s*\t/.test(before)) return undefined; // tabs are not YAML indentation
  const lines = linesBefore(text, lineStart);
  const indentText = /^ */.exec(line)![0];
  const indent = indentText.length;

  const extendRight = (re: RegExp) => {
    const m = re.exec(after);
    return m ? m[0].length : 0;
  };
  const token = (raw: string, start: number, re = /^[^\s,\]#]*/): { replace: Span; prefix: string; quoted: boolean } => {
    const quoted = /^["']/.test(raw);
    if (quoted) {
      const q = raw[0];
      const closeRe = new RegExp(`^[^${q}]*${q}?`);
      return { replace: { start, end: offset + extendRight(closeRe) }, prefix: raw.slice(1), quoted: true };
    }
    return { replace: { start, end: offset + extendRight(re) }, prefix: raw, quoted: false };
  };

  // A flow list on this line: `read-data: [appA, |]`.
  const flow = openFlow(before);
  if (flow >= 0) {
    const head = before.slice(0, flow);
    const km = new RegExp(`^(\\s*)${KEY}\\s*:\\s*$`).exec(head);
    if (!km) return undefined;
    const parent = parentPath(lines, km[1].length, false);
    if (!parent) return undefined;
    const inside = before.slice(flow + 1);
    const raw = inside.slice(Math.max(inside.lastIndexOf(',') + 1, 0)).replace(/^\s+/, '');
    const t = token(raw, offset - raw.length);
    return { format: 'yaml', path: [...parent, unquote(km[2])], position: 'item', ...t, flow: true, indent: indentText };
  }

  // A list item: `  - app|`.
  const dash = /^(\s*)-(?:\s+(.*))?$/.exec(before);
  if (dash) {
    if (!/^\s/.test(before.slice(dash[1].length + 1)) && before.length > dash[1].length + 1) return undefined;
    const parent = parentPath(lines, dash[1].length, true);
    if (!parent || parent.length === 0) return undefined;
    const raw = dash[2] ?? '';
    if (raw.includes(':')) return undefined;
    const t = token(raw, offset - raw.length);
    return { format: 'yaml', path: parent, position: 'item', ...t, flow: true, indent: dash[1] };
  }

  // A value: `  style: key|`.
  const kv = KEY_LINE.exec(before);
  if (kv) {
    const parent = parentPath(lines, kv[1].length, false);
    if (!parent) return undefined;
    const raw = kv[4];
    if (/^[{|>&*!]/.test(raw)) return undefined;
    const t = token(raw, offset - raw.length, /^[^\s#]*/);
    return { format: 'yaml', path: [...parent, unquote(kv[2])], position: 'value', ...t, needsSpace: kv[3] === '' && raw === '', indent: kv[1] };
  }

  // A key: `  read-d|` or an empty line.
  const km = /^(\s*)([\w.$-]*)$/.exec(before);
  if (km) {
    const parent = parentPath(lines, km[1].length, false);
    if (!parent) return undefined;
    const rest = extendRight(/^[\w.$-]*/);
    const colonFollows = /^[\w.$-]*\s*:/.test(after);
    return {
      format: 'yaml',
      path: parent,
      position: 'key',
      replace: { start: offset - km[2].length, end: offset + rest },
      prefix: km[2],
      quoted: false,
      colonFollows,
      indent: km[1],
    };
  }
  return undefined;
}
