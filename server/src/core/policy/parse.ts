/** Text -> PolicyDocument, with jsonc-parser. Never throws. */
import { findNodeAtOffset, getNodePath, ParseErrorCode, parseTree, visit, type JSONPath, type Node, type ParseError, type ParseOptions } from 'jsonc-parser';
import { templateDirectiveAt } from './placeholder';
import type {
  ConditionClause,
  DuplicateKey,
  PolicyDocument,
  PrincipalElement,
  PrincipalEntry,
  PropertyInfo,
  ScalarValue,
  Span,
  Statement,
  ValueList,
} from './model';

/** Deeper JSON than this is not a policy; we refuse to walk it rather than risk the stack. */
export const MAX_DEPTH = 64;

/**
 * A text with at most this many opening brackets is parsed before its depth is checked: the
 * recursive parser is safe far deeper than that (it overflows the stack past 3,000 levels).
 */
const SAFE_TO_PARSE = 1000;

/**
 * `wholeTree` keeps every node of the tree, statements included, for a caller that walks it by
 * path (the JSON shadow of a policy written in YAML or HCL, see core/iac/hostEdits.ts).
 */
export function parsePolicy(text: string, { wholeTree = false }: { wholeTree?: boolean } = {}): PolicyDocument {
  const syntaxErrors: ParseError[] = [];
  const limit = MAX_DEPTH * 4;
  const tooDeep = () => ({ text, root: undefined, syntaxErrors: [], duplicateKeys: [], properties: [], statements: [], fatal: `JSON is nested more than ${limit} levels deep; not analyzed.` });
  // Nesting deeper than the limit needs more opening brackets than the limit: most documents
  // have fewer, and counting them is a few native searches, not a walk over every character.
  const openers = count(text, '{', SAFE_TO_PARSE) + count(text, '[', SAFE_TO_PARSE);
  if (openers > SAFE_TO_PARSE && exceedsDepth(text, limit)) return tooDeep();
  let built: Built;
  try {
    built = buildTree(text, syntaxErrors, !wholeTree);
  } catch (e) {
    return { text, root: undefined, syntaxErrors, duplicateKeys: [], properties: [], statements: [], fatal: `could not parse: ${String(e)}` };
  }
  // Without syntax errors, every bracket outside a string is a node of the tree, so its depth is
  // the bracket depth the parser reached; with them, the text says.
  if (openers > limit && openers <= SAFE_TO_PARSE && (syntaxErrors.length === 0 ? built.depth > limit : exceedsDepth(text, limit))) return tooDeep();
  const model = modelOf(text, built.root, syntaxErrors, built.statements, built.duplicateKeys);
  return syntaxErrors.length ? withoutInventedStatements(model) : model;
}

/**
 * After a syntax error the parser recovers as best it can, and template text (`%{ for }`) or a
 * broken brace comes out as statements nobody wrote. Statements that end past the first error
 * that breaks the structure are not read, and the rest of the Statement array is unknown.
 * Comments, trailing commas and missing commas leave the structure whole.
 */
function withoutInventedStatements(policy: PolicyDocument): PolicyDocument {
  // A directive where a comma was expected (`} {% if x %},`) breaks it too, though a missing comma alone would not.
  const first = policy.syntaxErrors.find((e) => !keepsStructure(policy.text, e) || directiveAt(policy.text, e.offset) !== undefined);
  if (!first) return policy;
  const directive = directiveAt(policy.text, first.offset);
  const templateDirective = directive && { span: { start: directive.offset, end: directive.offset + directive.text.length }, text: directive.text };
  const span = policy.statementSpan;
  if (!span || first.offset >= span.end) return templateDirective ? { ...policy, templateDirective } : policy;
  return {
    ...policy,
    statements: policy.statements.filter((s) => s.span.end <= first.offset),
    templateDirective,
    unknown: [{ span: { start: templateDirective?.span.start ?? first.offset, end: span.end }, what: templateDirective ? `the statements from the template directive ${templateDirective.text} on` : 'the statements from the first syntax error on' }],
  };
}

/**
 * The template directive at a syntax error: at its offset, or just before it when the parser
 * took the directive's `{` for the start of an object (`{% if x %}`, `{{ x }}`).
 */
function directiveAt(text: string, offset: number): { offset: number; text: string } | undefined {
  for (const at of text[offset - 1] === '{' ? [offset, offset - 1] : [offset]) {
    const d = templateDirectiveAt(text, at);
    if (d !== undefined) return { offset: at, text: d };
  }
  return undefined;
}

/** A syntax error after which the tree still reads as written: a comment, a trailing or missing comma. */
function keepsStructure(text: string, e: ParseError): boolean {
  if (e.error === ParseErrorCode.InvalidCommentToken || e.error === ParseErrorCode.CommaExpected) return true;
  return (e.error === ParseErrorCode.ValueExpected || e.error === ParseErrorCode.PropertyNameExpected) && trailingComma(text, e.offset) !== undefined;
}

/** The offset of the comma before the `}` or `]` at `closeOffset`, if there is one (nothing but space between). */
export function trailingComma(text: string, closeOffset: number): number | undefined {
  const c = text[closeOffset];
  if (c !== '}' && c !== ']') return undefined;
  let i = closeOffset - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  return text[i] === ',' ? i : undefined;
}

/** The options of every parse of a key policy's text. */
const PARSE_OPTIONS: ParseOptions = { allowTrailingComma: false, disallowComments: true, allowEmptyContent: true };

/** Statement nodes whose children buildTree dropped after reading them. */
const READ = new WeakSet<Node>();

/** A node while it is built (jsonc-parser's nodes are read-only). */
type Writable = { -readonly [K in keyof Node]: Node[K] };

interface Built {
  root: Node | undefined;
  /** The statements read from each Statement array while it was parsed, by the array's node. */
  statements: Map<Node, Statement[]>;
  duplicateKeys: DuplicateKey[];
  /** The deepest nesting of objects and arrays. */
  depth: number;
}

/**
 * jsonc-parser's parseTree, built from the same `visit` events into the same nodes, with one
 * difference: an object that closes as an element of a top-level Statement array is read into a
 * Statement (and its duplicate keys noted) at once, and its children are dropped. The tree of a
 * 1 MB policy is 10 MB that would otherwise live as long as the parse; this way each statement's
 * nodes die young. Strict options: the tree is built all the same, and the errors show what AWS
 * would reject (comments, trailing commas), for the json-syntax rule to report.
 */
function buildTree(text: string, errors: ParseError[], readStatements: boolean): Built {
  const top: Writable = { type: 'array', offset: -1, length: -1, children: [], parent: undefined };
  const statements = new Map<Node, Statement[]>();
  const duplicates: DuplicateKey[] = [];
  let current: Writable = top;
  let depth = 0;
  let deepest = 0;
  const add = (node: Node): Node => {
    current.children!.push(node);
    return node;
  };
  const closeProperty = (end: number) => {
    if (current.type === 'property') {
      current.length = end - current.offset;
      current = current.parent!;
    }
  };
  const open = (type: 'object' | 'array', offset: number) => {
    current = add({ type, offset, length: -1, parent: current, children: [] });
    if (++depth > deepest) deepest = depth;
  };
  const close = (end: number) => {
    closeProperty(end);
    const node: Writable = current;
    node.length = end - node.offset;
    current = node.parent!;
    depth--;
    if (readStatements && node.type === 'object' && isStatementArray(current, top)) {
      let list = statements.get(current);
      if (!list) statements.set(current, (list = []));
      list.push(readStatement(node, current.children!.length - 1));
      findDuplicateKeys(node, duplicates);
      node.children = undefined;
      READ.add(node);
    }
    closeProperty(end);
  };
  visit(
    text,
    {
      onObjectBegin: (offset) => open('object', offset),
      onObjectProperty: (name, offset, length) => {
        current = add({ type: 'property', offset, length: -1, parent: current, children: [] });
        current.children!.push({ type: 'string', value: name, offset, length, parent: current });
      },
      onObjectEnd: (offset, length) => close(offset + length),
      onArrayBegin: (offset) => open('array', offset),
      onArrayEnd: (offset, length) => close(offset + length),
      onLiteralValue: (value, offset, length) => {
        add({ type: literalType(value), offset, length, parent: current, value });
        closeProperty(offset + length);
      },
      onSeparator: (separator, offset) => {
        if (current.type !== 'property') return;
        if (separator === ':') current.colonOffset = offset;
        else if (separator === ',') closeProperty(offset);
      },
      onError: (error, offset, length) => errors.push({ error, offset, length }),
    },
    PARSE_OPTIONS,
  );
  const root: Writable | undefined = top.children![0];
  if (root) {
    delete root.parent;
    findDuplicateKeys(root, duplicates); // the rest: stubs have no children to look in
  }
  return { root, statements, duplicateKeys: duplicates, depth: deepest };
}

/** Is `node` the array value of a "Statement" property of the root object? */
function isStatementArray(node: Node, top: Node): boolean {
  const property = node.parent;
  return node.type === 'array' && property?.type === 'property' && property.children?.[0]?.value === 'Statement' && property.parent?.parent === top;
}

function literalType(value: unknown): Node['type'] {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'null';
  }
}

/**
 * The tree node at `offset`, and the JSON path of it or of any node around it. Inside a
 * statement whose children parsePolicy dropped, that statement's text is parsed again (a few
 * hundred bytes): the nodes are those of a whole-document parse, offsets included.
 */
export function locateNode(policy: PolicyDocument, offset: number): { node: Node; pathOf(node: Node): JSONPath } | undefined {
  if (!policy.root) return undefined;
  const node = findNodeAtOffset(policy.root, offset, false);
  if (!node) return undefined;
  if (!READ.has(node)) return { node, pathOf: getNodePath };
  const local: Writable | undefined = parseTree(policy.text.slice(node.offset, node.offset + node.length), [], PARSE_OPTIONS);
  if (!local) return { node, pathOf: getNodePath };
  shift(local, node.offset);
  local.parent = node.parent; // in the tree as the stub is, though its array holds the stub
  const prefix = getNodePath(node);
  const pathOf = (n: Node): JSONPath => {
    const inner: JSONPath = [];
    for (let c: Node = n; c !== local; ) {
      const parent = c.parent;
      if (!parent) return getNodePath(n); // not in the statement: a node of the tree itself
      if (parent.type === 'property') inner.push(parent.children![0].value as string);
      else if (parent.type === 'array') inner.push(parent.children!.indexOf(c));
      c = parent;
    }
    return [...prefix, ...inner.reverse()];
  };
  return { node: findNodeAtOffset(local, offset, false) ?? local, pathOf };
}

function shift(root: Node, by: number): void {
  const stack: Writable[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    n.offset += by;
    if (n.colonOffset !== undefined) n.colonOffset += by;
    if (n.children) for (const c of n.children) stack.push(c); // not push(...): a 100,000-element array overflows the stack
  }
}

/**
 * Extra fields a node may carry when it was built for a policy embedded in an IaC file (a
 * synthetic tree with the same shape as jsonc-parser's, see core/iac).
 */
export interface EmbeddedNodeInfo {
  /** The value as written in the host (`!GetAtt AppRole.Arn`); `value` is a synthetic stand-in. */
  written?: string;
  /** An intrinsic or reference whose value is unknown here: read as a non-literal scalar, so rules skip it. */
  opaque?: boolean;
  /** An array element's position as written, when an element before it was removed (`Fn::If` to `AWS::NoValue`). */
  index?: number;
}

/** The model of a policy from a jsonc-parser-shaped tree whose offsets are in `text`. */
export function policyFromTree(text: string, root: Node | undefined, syntaxErrors: ParseError[]): PolicyDocument {
  const duplicates: DuplicateKey[] = [];
  if (root) findDuplicateKeys(root, duplicates);
  const model = modelOf(text, root, syntaxErrors, new Map(), duplicates);
  return syntaxErrors.length ? withoutInventedStatements(model) : model;
}

/** The model, from the tree and what was read while it was built (`read`: statements by Statement array node). */
function modelOf(text: string, root: Node | undefined, syntaxErrors: ParseError[], read: ReadonlyMap<Node, Statement[]>, duplicateKeys: DuplicateKey[]): PolicyDocument {
  duplicateKeys.sort((a, b) => a.span.start - b.span.start);
  if (!root || root.type !== 'object') return { text, root, syntaxErrors, duplicateKeys, properties: [], statements: [] };

  const top = propertiesOf(root);
  const statementNode = lastValue(root, 'Statement');
  let statements: Statement[] = [];
  if (statementNode?.type === 'array') {
    statements = read.get(statementNode) ?? (statementNode.children ?? []).flatMap((child, index) => (child.type === 'object' ? [readStatement(child, (child as EmbeddedNodeInfo).index ?? index)] : []));
  } else if (statementNode?.type === 'object') {
    statements = [readStatement(statementNode, 0)];
  }
  return {
    text,
    root,
    syntaxErrors,
    duplicateKeys,
    properties: top,
    version: scalar(lastValue(root, 'Version')),
    id: scalar(lastValue(root, 'Id')),
    statementSpan: statementNode && spanOf(statementNode),
    statements,
  };
}

/** A hostile document can hold hundreds of thousands; the rule reports 200. */
const MAX_DUPLICATE_KEYS = 10_000;

/**
 * Duplicate keys in every object under `node` (for a property's value, a later key of the same
 * name). Iterative: the depth was checked before.
 */
function findDuplicateKeys(node: Node, out: DuplicateKey[]): void {
  const stack: Node[] = [node];
  while (stack.length && out.length < MAX_DUPLICATE_KEYS) {
    const n = stack.pop()!;
    const children = n.children;
    if (!children) continue;
    if (n.type === 'object') {
      // Most objects in a policy have a handful of keys: comparing each with the earlier ones
      // allocates nothing. Large ones get a map, so a hostile object stays linear.
      const first = children.length > 16 ? new Map<unknown, Node>() : undefined;
      for (let i = 0; i < children.length; i++) {
        const key = children[i].children?.[0];
        if (!key || key.type !== 'string') continue;
        const earlier = first ? first.get(key.value) : firstKey(children, i, key.value);
        if (earlier) out.push({ name: String(key.value), span: spanOf(key), first: spanOf(earlier) });
        else first?.set(key.value, key);
      }
    }
    // Only objects and arrays are pushed: a property's value is pushed in place of the property.
    for (const c of children) {
      if (c.type !== 'property') {
        if (c.children) stack.push(c);
      } else for (const part of c.children ?? []) if (part.children) stack.push(part);
    }
  }
}

/** The key of the first of properties[0..before) with this name, if any. */
function firstKey(properties: readonly Node[], before: number, name: unknown): Node | undefined {
  for (let j = 0; j < before; j++) {
    const key = properties[j].children?.[0];
    if (key && key.type === 'string' && key.value === name) return key;
  }
  return undefined;
}

/** Cheap bracket-depth scan so that pathological nesting never reaches a recursive parser. */
function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */ || c === 10 /* \n */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth = Math.max(0, depth - 1);
  }
  return false;
}

/** Occurrences of `char` in `text`, counting no further than `limit + 1`. */
function count(text: string, char: string, limit: number): number {
  let n = 0;
  for (let i = text.indexOf(char); i >= 0 && n <= limit; i = text.indexOf(char, i + 1)) n++;
  return n;
}

export function spanOf(node: Node): Span {
  return { start: node.offset, end: node.offset + node.length };
}

function propertiesOf(obj: Node): PropertyInfo[] {
  const out: PropertyInfo[] = [];
  for (const prop of obj.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (!key || key.type !== 'string') continue;
    out.push({ name: String(key.value), keySpan: spanOf(key), valueSpan: value && spanOf(value), valueType: value?.type });
  }
  return out;
}

/** The value of the last property with this exact name (JSON parsers keep the last duplicate). */
function lastValue(obj: Node, name: string): Node | undefined {
  let found: Node | undefined;
  for (const prop of obj.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (key?.value === name) found = value;
  }
  return found;
}

function scalar(node: Node | undefined): ScalarValue | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'string': {
      const extra = node as Node & EmbeddedNodeInfo;
      if (extra.written === undefined) return { value: node.value as string, span: spanOf(node), literal: true };
      return { value: node.value as string, span: spanOf(node), literal: extra.opaque !== true, written: extra.written };
    }
    case 'number':
    case 'boolean':
      return { value: String(node.value), span: spanOf(node), literal: false };
    default:
      return undefined;
  }
}

function valueList(node: Node | undefined): ValueList | undefined {
  if (!node) return undefined;
  const items: ScalarValue[] = [];
  const wrongTypes: Span[] = [];
  const take = (n: Node) => {
    const s = scalar(n);
    if (s) items.push(s);
    else wrongTypes.push(spanOf(n));
  };
  if (node.type === 'array') node.children?.forEach(take);
  else take(node);
  return { span: spanOf(node), isArray: node.type === 'array', items, wrongTypes };
}

function principal(node: Node | undefined): PrincipalElement | undefined {
  if (!node) return undefined;
  if (node.type === 'string') {
    return { span: spanOf(node), bare: scalar(node), entries: [], wrongType: false };
  }
  if (node.type !== 'object') return { span: spanOf(node), entries: [], wrongType: true };
  const entries: PrincipalEntry[] = [];
  for (const prop of node.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (!key || key.type !== 'string') continue;
    const values = valueList(value);
    entries.push({ type: String(key.value), typeSpan: spanOf(key), values: values ?? { span: spanOf(key), isArray: false, items: [], wrongTypes: [] } });
  }
  return { span: spanOf(node), entries, wrongType: false };
}

function conditions(node: Node | undefined): Statement['condition'] {
  if (!node) return undefined;
  const clauses: ConditionClause[] = [];
  const notObjects: { operator: string; span: Span }[] = [];
  if (node.type === 'object') {
    for (const opProp of node.children ?? []) {
      const [opKey, opValue] = opProp.children ?? [];
      if (opValue && opValue.type !== 'object') notObjects.push({ operator: String(opKey?.value), span: spanOf(opValue) });
      const operator = scalar(opKey);
      if (!operator || opValue?.type !== 'object') continue;
      for (const keyProp of opValue.children ?? []) {
        const [condKey, condValue] = keyProp.children ?? [];
        const key = scalar(condKey);
        const values = valueList(condValue);
        if (key && values) clauses.push({ operator, key, values });
      }
    }
  }
  return { span: spanOf(node), clauses, notObjects };
}

function readStatement(node: Node, index: number): Statement {
  // One pass over the properties; the last of a name wins, as with JSON parsers.
  let sid: Node | undefined;
  let effect: Node | undefined;
  let principalNode: Node | undefined;
  let notPrincipal: Node | undefined;
  let action: Node | undefined;
  let notAction: Node | undefined;
  let resource: Node | undefined;
  let notResource: Node | undefined;
  let condition: Node | undefined;
  for (const prop of node.children ?? []) {
    const key = prop.children?.[0];
    const value = prop.children?.[1];
    switch (key?.value) {
      case 'Sid': sid = value; break;
      case 'Effect': effect = value; break;
      case 'Principal': principalNode = value; break;
      case 'NotPrincipal': notPrincipal = value; break;
      case 'Action': action = value; break;
      case 'NotAction': notAction = value; break;
      case 'Resource': resource = value; break;
      case 'NotResource': notResource = value; break;
      case 'Condition': condition = value; break;
    }
  }
  return {
    index,
    span: spanOf(node),
    properties: propertiesOf(node),
    sid: scalar(sid),
    effect: scalar(effect),
    principal: principal(principalNode),
    notPrincipal: principal(notPrincipal),
    action: valueList(action),
    notAction: valueList(notAction),
    resource: valueList(resource),
    notResource: valueList(notResource),
    condition: conditions(condition),
  };
}
