/**
 * Plain JSON values written in a host's syntax: YAML block style, HCL object syntax (what
 * `jsonencode` takes), and `aws_iam_policy_document` statement blocks. `raw` lets a caller write
 * some strings as source text instead (a synthetic principal back as `!GetAtt AppRole.Arn`).
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Style {
  /** One level of indentation. */
  readonly unit: string;
  readonly eol: string;
  /** Source text to write for a string instead of the string itself. */
  readonly raw?: (value: string) => string | undefined;
}

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmptyCollection(v: Json): boolean {
  return (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

// ---- YAML ------------------------------------------------------------------------------------

const YAML_RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

export function yamlScalar(v: string | number | boolean | null, style?: Style, inSequence = false): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') return String(v);
  const raw = style?.raw?.(v);
  if (raw !== undefined) {
    // A long-form intrinsic (`Fn::GetAtt: [A, Arn]`) is a mapping: as a value it needs braces.
    const one = raw.includes('\n') ? raw.replace(/\s*\n\s*/g, ' ') : raw;
    return !inSequence && /^(Fn::[A-Za-z]+|Ref|Condition)\s*:/.test(one) ? `{${one}}` : one;
  }
  return yamlString(v);
}

/** A YAML string: plain where that reads back as the same string, else single-quoted. */
export function yamlString(v: string): string {
  const plain =
    v !== '' &&
    !/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(v) &&
    !/\s$/.test(v) &&
    !/: |:$| #|\t|\n/.test(v) &&
    !YAML_RESERVED.test(v) &&
    !/^[-+.]?\d/.test(v);
  if (plain) return v;
  if (/\n/.test(v)) return JSON.stringify(v);
  return `'${v.replace(/'/g, "''")}'`;
}

function yamlKey(k: string): string {
  return yamlString(k);
}

/** The text after `key:` for a value: ` scalar`, or a block on the following lines at `indent`. */
export function yamlValue(v: Json, indent: string, style: Style): string {
  if (!Array.isArray(v) && !isObject(v)) return ' ' + yamlScalar(v, style);
  if (isEmptyCollection(v)) return Array.isArray(v) ? ' []' : ' {}';
  return style.eol + yamlBlock(v, indent, style);
}

/** A collection as block lines, every line at `indent` (the first one too). */
export function yamlBlock(v: Json, indent: string, style: Style): string {
  const lines: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isObject(item) && Object.keys(item).length) {
        const inner = yamlBlock(item, indent + '  ', style);
        lines.push(indent + '- ' + inner.slice(indent.length + 2));
      } else if (Array.isArray(item) && item.length) {
        lines.push(indent + '-' + style.eol + yamlBlock(item, indent + style.unit, style));
      } else lines.push(indent + '- ' + (isEmptyCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : yamlScalar(item as string, style, true)));
    }
  } else if (isObject(v)) {
    for (const [k, val] of Object.entries(v)) lines.push(indent + yamlKey(k) + ':' + yamlValue(val, indent + style.unit, style));
  } else lines.push(indent + yamlScalar(v, style));
  return lines.join(style.eol);
}

// ---- HCL object syntax -----------------------------------------------------------------------

export function hclString(v: string): string {
  return JSON.stringify(v).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

function hclKey(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : hclString(k);
}

export function hclScalar(v: string | number | boolean | null, style?: Style): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') return String(v);
  return style?.raw?.(v) ?? hclString(v);
}

/** A value in HCL expression syntax; nested lines are indented from `indent` (the line the value starts on). */
export function hclValue(v: Json, indent: string, style: Style): string {
  if (!Array.isArray(v) && !isObject(v)) return hclScalar(v, style);
  if (isEmptyCollection(v)) return Array.isArray(v) ? '[]' : '{}';
  const inner = indent + style.unit;
  if (Array.isArray(v)) {
    if (v.length === 1 && !Array.isArray(v[0]) && !isObject(v[0])) return `[${hclScalar(v[0] as string, style)}]`;
    return '[' + style.eol + v.map((x) => inner + hclValue(x, inner, style) + ',').join(style.eol) + style.eol + indent + ']';
  }
  // `=` aligned over each run of one-line values, as `terraform fmt` writes them.
  const entries = Object.entries(v).map(([k, x]) => [hclKey(k), hclValue(x, inner, style)] as const);
  const lines: string[] = [];
  for (let i = 0; i < entries.length; ) {
    let j = i;
    while (j < entries.length && !entries[j][1].includes('\n')) j++;
    const run = entries.slice(i, Math.max(j, i + 1));
    const width = Math.max(...run.map(([k]) => k.length));
    for (const [k, x] of run) lines.push(inner + k.padEnd(x.includes('\n') ? k.length : width) + ' = ' + x);
    i = Math.max(j, i + 1);
  }
  return '{' + style.eol + lines.join(style.eol) + style.eol + indent + '}';
}

// ---- aws_iam_policy_document blocks -----------------------------------------------------------

const ATTRIBUTE: Record<string, string> = { Sid: 'sid', Effect: 'effect', Action: 'actions', NotAction: 'not_actions', Resource: 'resources', NotResource: 'not_resources' };

function list(v: Json): Json[] {
  return Array.isArray(v) ? v : [v];
}

/** Attribute lines with their `=` aligned, as `terraform fmt` writes them. */
function aligned(pairs: [string, string][], indent: string, eol: string): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${indent}${k.padEnd(width)} = ${v}`).join(eol);
}

/** One `statement { ... }` block per statement, at `indent`. */
export function policyDocumentStatements(statements: readonly { [key: string]: Json }[], indent: string, style: Style): string {
  const inner = indent + style.unit;
  const blocks = statements.map((s) => {
    const attrs: [string, string][] = [];
    const parts: string[] = [];
    for (const k of Object.keys(ATTRIBUTE)) {
      const v = s[k];
      if (v !== undefined) attrs.push([ATTRIBUTE[k], k === 'Sid' || k === 'Effect' ? hclScalar(v as string, style) : hclValue(list(v), inner, style)]);
    }
    if (attrs.length) parts.push(aligned(attrs, inner, style.eol));
    for (const [k, block] of [
      ['Principal', 'principals'],
      ['NotPrincipal', 'not_principals'],
    ] as const) {
      const p = s[k];
      if (p === undefined) continue;
      const entries: [string, Json][] = typeof p === 'string' ? [['AWS', p]] : isObject(p) ? Object.entries(p) : [];
      for (const [type, ids] of entries) {
        const body = aligned(
          [
            ['type', hclString(type)],
            ['identifiers', hclValue(list(ids), inner + style.unit, style)],
          ],
          inner + style.unit,
          style.eol,
        );
        parts.push(`${inner}${block} {${style.eol}${body}${style.eol}${inner}}`);
      }
    }
    const c = s.Condition;
    if (isObject(c)) {
      for (const [test, keys] of Object.entries(c)) {
        if (!isObject(keys)) continue;
        for (const [variable, values] of Object.entries(keys)) {
          const body = aligned(
            [
              ['test', hclString(test)],
              ['variable', hclString(variable)],
              ['values', hclValue(list(values), inner + style.unit, style)],
            ],
            inner + style.unit,
            style.eol,
          );
          parts.push(`${inner}condition {${style.eol}${body}${style.eol}${inner}}`);
        }
      }
    }
    return `${indent}statement {${style.eol}${parts.join(style.eol + style.eol)}${style.eol}${indent}}`;
  });
  return blocks.join(style.eol + style.eol);
}
