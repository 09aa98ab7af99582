/** Text -> DomainSpec, for YAML (the `yaml` package, keeping ranges) and JSON (jsonc-parser). Never throws. */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { Span } from '../policy/model';
import {
  entryOf,
  type AccessEntry,
  type DomainSpec,
  type PrincipalDefinition,
  type ScalarType,
  type SpecEntry,
  type SpecFormat,
  type SpecNode,
  type SpecProblem,
  type SpecScalar,
  type SpecSection,
} from './model';

/** Deeper nesting than this is not a spec; we refuse to walk it. */
const MAX_DEPTH = 64;

export function parseSpec(text: string, format: SpecFormat): DomainSpec {
  const syntaxErrors: SpecProblem[] = [];
  let root: SpecNode | undefined;
  if (tooDeep(text)) {
    syntaxErrors.push({ span: { start: 0, end: 0 }, message: `Nested more than ${MAX_DEPTH} levels deep; not analyzed.` });
  } else {
    try {
      root = format === 'json' ? fromJson(text, syntaxErrors) : fromYaml(text, syntaxErrors);
    } catch (e) {
      syntaxErrors.push({ span: { start: 0, end: 0 }, message: `Could not parse: ${String(e)}` });
    }
  }
  return specFromTree(text, format, root, syntaxErrors);
}

function tooDeep(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 125 || c === 93) depth = Math.max(0, depth - 1);
  }
  return false;
}

// ---- JSON ------------------------------------------------------------------------------------

function fromJson(text: string, problems: SpecProblem[]): SpecNode | undefined {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  for (const e of errors) problems.push({ span: { start: e.offset, end: e.offset + e.length }, message: `JSON: ${jsonMessage(printParseErrorCode(e.error))}` });
  return tree ? jsonNode(tree) : undefined;
}

function jsonMessage(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function span(node: Node): Span {
  return { start: node.offset, end: node.offset + node.length };
}

function jsonNode(node: Node): SpecNode {
  switch (node.type) {
    case 'object': {
      const entries: SpecEntry[] = [];
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? [];
        if (!key || key.type !== 'string') continue;
        const v = value ? jsonNode(value) : undefined;
        entries.push({ key: String(key.value), keySpan: span(key), value: v, span: { start: key.offset, end: v ? v.span.end : key.offset + key.length } });
      }
      return { kind: 'object', span: span(node), entries };
    }
    case 'array':
      return { kind: 'array', span: span(node), items: (node.children ?? []).map(jsonNode) };
    default: {
      const type: ScalarType = node.type === 'string' ? 'string' : node.type === 'number' ? 'number' : node.type === 'boolean' ? 'boolean' : 'null';
      const value = node.type === 'null' ? null : (node.value as string | number | boolean);
      return { kind: 'scalar', span: span(node), type, value, text: type === 'string' ? String(value) : String(value) };
    }
  }
}

// ---- YAML ------------------------------------------------------------------------------------

function fromYaml(text: string, problems: SpecProblem[]): SpecNode | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter, strict: true });
  for (const e of doc.errors) problems.push({ span: { start: e.pos[0], end: Math.max(e.pos[0], e.pos[1]) }, message: `YAML: ${firstLine(e.message)}` });
  const contents = doc.contents as YamlNode | null;
  if (!contents) return undefined;
  return yamlNode(text, contents, problems);
}

function firstLine(message: string): string {
  const line = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return line.endsWith('.') ? line : line + '.';
}

function yamlSpan(node: { range?: [number, number, number] | null }): Span {
  const r = node.range;
  return r ? { start: r[0], end: r[1] } : { start: 0, end: 0 };
}

function yamlNode(text: string, node: unknown, problems: SpecProblem[]): SpecNode {
  if (isMap(node)) {
    const entries: SpecEntry[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      if (!isScalar(key)) {
        if (key && typeof key === 'object' && 'range' in key) problems.push({ span: yamlSpan(key as YamlNode), message: 'YAML: a key must be a plain name.' });
        continue;
      }
      const keySpan = yamlSpan(key);
      const rawValue = pair.value;
      // `key:` with nothing after it: the yaml package gives a null scalar with an empty range, or no node.
      const value = rawValue === null || rawValue === undefined ? undefined : yamlNode(text, rawValue, problems);
      const empty = value?.kind === 'scalar' && value.type === 'null' && value.span.start === value.span.end;
      entries.push({ key: String(key.value), keySpan, value: empty ? undefined : value, span: { start: keySpan.start, end: value && !empty ? value.span.end : keySpan.end } });
    }
    return { kind: 'object', span: yamlSpan(node), entries };
  }
  if (isSeq(node)) {
    return { kind: 'array', span: yamlSpan(node), items: node.items.map((i) => yamlNode(text, i, problems)) };
  }
  if (isScalar(node)) {
    const s = yamlSpan(node);
    const v = node.value;
    const type: ScalarType = typeof v === 'string' ? 'string' : typeof v === 'number' || typeof v === 'bigint' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'null';
    const value = typeof v === 'bigint' ? Number(v) : type === 'null' ? null : (v as string | number | boolean);
    return { kind: 'scalar', span: s, type, value, text: type === 'string' ? (v as string) : text.slice(s.start, s.end) };
  }
  if (isAlias(node)) {
    const s = yamlSpan(node);
    problems.push({ span: s, message: 'YAML: aliases (*name) are not supported in domain specs; write the value out.' });
    return { kind: 'scalar', span: s, type: 'null', value: null, text: text.slice(s.start, s.end) };
  }
  // A plain JS value (should not happen with parseDocument): an empty null.
  return { kind: 'scalar', span: { start: 0, end: 0 }, type: 'null', value: null, text: '' };
}

// ---- the model -------------------------------------------------------------------------------

function scalar(node: SpecNode | undefined): SpecScalar | undefined {
  if (node?.kind !== 'scalar') return undefined;
  return { value: node.text, span: node.span, type: node.type };
}

function strings(node: SpecNode | undefined): SpecScalar[] {
  if (!node) return [];
  // A single string where a list belongs is a schema error, but the intent is clear: read it as one item.
  if (node.kind === 'scalar') return node.type === 'string' ? [scalar(node)!] : [];
  if (node.kind !== 'array') return [];
  return node.items.filter((i) => i.kind === 'scalar' && i.type === 'string').map((i) => scalar(i)!);
}

/** Builds the model from a tree (exported for specs embedded in other files later). */
export function specFromTree(text: string, format: SpecFormat, root: SpecNode | undefined, syntaxErrors: SpecProblem[]): DomainSpec {
  const sections: SpecSection[] = [];
  if (root?.kind === 'object') for (const e of root.entries) sections.push({ name: e.key, keySpan: e.keySpan, span: e.span });
  const get = (key: string) => entryOf(root, key);
  const keyEntry = get('key');
  const keyNode = keyEntry?.value;
  const principalsEntry = get('principals');
  const principals: PrincipalDefinition[] = [];
  if (principalsEntry?.value?.kind === 'object') {
    for (const e of principalsEntry.value.entries) principals.push({ name: e.key, nameSpan: e.keySpan, value: scalar(e.value), span: e.span });
  }
  const accessEntry = get('access');
  const access: AccessEntry[] = [];
  if (accessEntry?.value?.kind === 'object') {
    for (const e of accessEntry.value.entries) access.push({ capability: e.key, keySpan: e.keySpan, span: e.span, principals: strings(e.value) });
  }
  const servicesEntry = get('services');
  const grantsEntry = get('grantsForAWSResources');
  return {
    text,
    format,
    root,
    syntaxErrors,
    sections,
    domain: scalar(get('domain')?.value),
    description: scalar(get('description')?.value),
    account: scalar(get('account')?.value),
    region: scalar(get('region')?.value),
    partition: scalar(get('partition')?.value),
    key: keyEntry && {
      span: keyEntry.span,
      keySpan: keyEntry.keySpan,
      policy: scalar(entryOf(keyNode, 'policy')?.value),
      style: scalar(entryOf(keyNode, 'style')?.value),
      id: scalar(entryOf(keyNode, 'id')?.value),
      principalForm: scalar(entryOf(keyNode, 'principalForm')?.value),
    },
    principalsKey: principalsEntry?.keySpan,
    principals,
    accessKey: accessEntry?.keySpan,
    access,
    servicesKey: servicesEntry?.keySpan,
    services: strings(servicesEntry?.value),
    grantsKey: grantsEntry?.keySpan,
    grantsForAWSResources: strings(grantsEntry?.value),
  };
}
