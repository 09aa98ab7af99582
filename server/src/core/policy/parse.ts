/** Text -> PolicyDocument, with jsonc-parser. Never throws. */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import type {
  ConditionClause,
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

export function parsePolicy(text: string): PolicyDocument {
  const syntaxErrors: ParseError[] = [];
  const limit = MAX_DEPTH * 4;
  const tooDeep = () => ({ text, root: undefined, syntaxErrors: [], properties: [], statements: [], fatal: `JSON is nested more than ${limit} levels deep; not analyzed.` });
  // Nesting deeper than the limit needs more opening brackets than the limit: most documents
  // have fewer, and counting them is a few native searches, not a walk over every character.
  const openers = count(text, '{', SAFE_TO_PARSE) + count(text, '[', SAFE_TO_PARSE);
  if (openers > SAFE_TO_PARSE && exceedsDepth(text, limit)) return tooDeep();
  let root: Node | undefined;
  try {
    // Strict options: the tree is built all the same, and the errors show what AWS would reject
    // (comments, trailing commas), for the json-syntax rule to report.
    root = parseTree(text, syntaxErrors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: true });
  } catch (e) {
    return { text, root: undefined, syntaxErrors, properties: [], statements: [], fatal: `could not parse: ${String(e)}` };
  }
  if (openers > limit && openers <= SAFE_TO_PARSE) {
    // Without syntax errors, every bracket outside a string is a node of the tree, so its depth
    // is the bracket depth, and walking a few thousand nodes is cheaper than scanning the text.
    if (syntaxErrors.length === 0 ? treeDeeperThan(root, limit) : exceedsDepth(text, limit)) return tooDeep();
  }
  return policyFromTree(text, root, syntaxErrors);
}

/**
 * Extra fields a node may carry when it was built for a policy embedded in an IaC file (a
 * synthetic tree with the same shape as jsonc-parser's, see core/embed).
 */
export interface EmbeddedNodeInfo {
  /** The value as written in the host (`!GetAtt AppRole.Arn`); `value` is a synthetic stand-in. */
  written?: string;
  /** An intrinsic or reference whose value is unknown here: read as a non-literal scalar, so rules skip it. */
  opaque?: boolean;
}

/** The model of a policy from a jsonc-parser-shaped tree whose offsets are in `text`. */
export function policyFromTree(text: string, root: Node | undefined, syntaxErrors: ParseError[]): PolicyDocument {
  if (!root || root.type !== 'object') return { text, root, syntaxErrors, properties: [], statements: [] };

  const top = propertiesOf(root);
  const statementNode = lastValue(root, 'Statement');
  const statements: Statement[] = [];
  if (statementNode?.type === 'array') {
    statementNode.children?.forEach((child, index) => {
      if (child.type === 'object') statements.push(readStatement(child, index));
    });
  } else if (statementNode?.type === 'object') {
    statements.push(readStatement(statementNode, 0));
  }
  return {
    text,
    root,
    syntaxErrors,
    properties: top,
    version: scalar(lastValue(root, 'Version')),
    id: scalar(lastValue(root, 'Id')),
    statementSpan: statementNode && spanOf(statementNode),
    statements,
  };
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

/**
 * Are objects and arrays nested more than `limit` deep in this tree? Recursive, but it stops one
 * level past the limit, so it never goes deeper than that.
 */
function treeDeeperThan(root: Node | undefined, limit: number): boolean {
  return root !== undefined && isContainer(root) && containerDeeperThan(root, limit);
}

function isContainer(node: Node): boolean {
  return node.type === 'object' || node.type === 'array';
}

/** `node` is an object or array: does it, with what it contains, nest more than `limit` deep? */
function containerDeeperThan(node: Node, limit: number): boolean {
  if (limit === 0) return true;
  for (const child of node.children ?? []) {
    // An object's children are properties: [key, value]; only the value can be a container.
    const value = child.type === 'property' ? child.children?.[1] : child;
    if (value && isContainer(value) && containerDeeperThan(value, limit - 1)) return true;
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
  if (node.type === 'object') {
    for (const opProp of node.children ?? []) {
      const [opKey, opValue] = opProp.children ?? [];
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
  return { span: spanOf(node), clauses };
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
