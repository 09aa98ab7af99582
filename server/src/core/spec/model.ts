/**
 * The data domain spec model: what a `*.kms-domain.{json,yaml,yml}` file says, with the source
 * span of every element. JSON and YAML both become the same plain tree (SpecNode), so every
 * feature (schema errors, completion, hover, drift) works on one representation.
 */
import type { Span } from '../policy/model';

export type SpecFormat = 'json' | 'yaml';

export interface SpecObject {
  readonly kind: 'object';
  readonly span: Span;
  readonly entries: readonly SpecEntry[];
}

export interface SpecEntry {
  readonly key: string;
  readonly keySpan: Span;
  /** Undefined for `key:` with nothing after it (YAML) or a property with no value yet (JSON being typed). */
  readonly value?: SpecNode;
  /** From the key's start to the value's end. */
  readonly span: Span;
}

export interface SpecArray {
  readonly kind: 'array';
  readonly span: Span;
  readonly items: readonly SpecNode[];
}

export type ScalarType = 'string' | 'number' | 'boolean' | 'null';

export interface SpecScalarNode {
  readonly kind: 'scalar';
  readonly span: Span;
  readonly type: ScalarType;
  /** The value as read (for ajv). */
  readonly value: string | number | boolean | null;
  /** The value as text: the string itself, or the source text of a number, boolean or null. */
  readonly text: string;
}

export type SpecNode = SpecObject | SpecArray | SpecScalarNode;

/** A scalar in the model, with its text and where it is. */
export interface SpecScalar {
  readonly value: string;
  readonly span: Span;
  readonly type: ScalarType;
}

export interface SpecProblem {
  readonly span: Span;
  readonly message: string;
}

export interface PrincipalDefinition {
  /** The name, as used under `access`. */
  readonly name: string;
  readonly nameSpan: Span;
  /** The ARN (or short form `role/x`, `user/x`) as written. */
  readonly value?: SpecScalar;
  /** The whole `name: value` entry. */
  readonly span: Span;
}

export interface AccessEntry {
  /** The capability as written (may be unknown: diagnostics report it). */
  readonly capability: string;
  readonly keySpan: Span;
  readonly span: Span;
  /** Principal names or ARNs listed (string scalars; other values are schema errors). */
  readonly principals: readonly SpecScalar[];
}

/** A top-level section, for document symbols. */
export interface SpecSection {
  readonly name: string;
  readonly keySpan: Span;
  readonly span: Span;
}

export interface DomainSpec {
  readonly text: string;
  readonly format: SpecFormat;
  readonly root?: SpecNode;
  readonly syntaxErrors: readonly SpecProblem[];
  readonly sections: readonly SpecSection[];
  readonly domain?: SpecScalar;
  readonly description?: SpecScalar;
  readonly account?: SpecScalar;
  readonly region?: SpecScalar;
  readonly partition?: SpecScalar;
  readonly key?: {
    readonly span: Span;
    readonly keySpan: Span;
    readonly policy?: SpecScalar;
    readonly style?: SpecScalar;
    readonly id?: SpecScalar;
    readonly principalForm?: SpecScalar;
  };
  /** The `principals` key span, when present. */
  readonly principalsKey?: Span;
  readonly principals: readonly PrincipalDefinition[];
  /** The `access` key span, when present. */
  readonly accessKey?: Span;
  readonly access: readonly AccessEntry[];
  readonly servicesKey?: Span;
  readonly services: readonly SpecScalar[];
  readonly grantsKey?: Span;
  readonly grantsForAWSResources: readonly SpecScalar[];
}

export { isDomainSpecName } from '../fileKinds';

/** The format a spec file name implies: `.json` is JSON, anything else YAML. */
export function specFormatOf(pathOrUri: string): SpecFormat {
  return /\.json$/i.test(pathOrUri) ? 'json' : 'yaml';
}

/** The entry of an object node by key (the last one, as JSON parsers keep). */
export function entryOf(node: SpecNode | undefined, key: string): SpecEntry | undefined {
  if (node?.kind !== 'object') return undefined;
  let found: SpecEntry | undefined;
  for (const e of node.entries) if (e.key === key) found = e;
  return found;
}

/** The node at a JSON-pointer-like path of keys and indexes. */
export function nodeAtPath(root: SpecNode | undefined, path: readonly (string | number)[]): SpecNode | undefined {
  let node = root;
  for (const segment of path) {
    if (!node) return undefined;
    if (typeof segment === 'number') node = node.kind === 'array' ? node.items[segment] : undefined;
    else node = entryOf(node, segment)?.value;
  }
  return node;
}

/** The plain value of a node, for schema validation. Duplicate keys: the last wins. */
export function toPlain(node: SpecNode | undefined): unknown {
  if (!node) return null;
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'array':
      return node.items.map(toPlain);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const e of node.entries) out[e.key] = toPlain(e.value);
      return out;
    }
  }
}

/** What is at an offset: the innermost node and its path, and whether the offset is on a key. */
export interface NodeHit {
  readonly path: readonly (string | number)[];
  readonly node?: SpecNode;
  /** Set when the offset is on an entry's key. */
  readonly entry?: SpecEntry;
}

export function hitAt(root: SpecNode | undefined, offset: number): NodeHit | undefined {
  const within = (s: Span) => s.start <= offset && offset <= s.end;
  const walk = (node: SpecNode, path: (string | number)[]): NodeHit | undefined => {
    if (node.kind === 'object') {
      for (const e of node.entries) {
        if (within(e.keySpan)) return { path: [...path, e.key], entry: e, node: e.value };
        if (e.value && within(e.value.span)) return walk(e.value, [...path, e.key]);
      }
      return within(node.span) ? { path, node } : undefined;
    }
    if (node.kind === 'array') {
      for (let i = 0; i < node.items.length; i++) if (within(node.items[i].span)) return walk(node.items[i], [...path, i]);
      return within(node.span) ? { path, node } : undefined;
    }
    return within(node.span) ? { path, node } : undefined;
  };
  return root ? walk(root, []) : undefined;
}
