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

export function parsePolicy(text: string): PolicyDocument {
  const syntaxErrors: ParseError[] = [];
  if (exceedsDepth(text, MAX_DEPTH * 4)) {
    return { text, root: undefined, syntaxErrors, properties: [], statements: [], fatal: `JSON is nested more than ${MAX_DEPTH * 4} levels deep; not analyzed.` };
  }
  let root: Node | undefined;
  try {
    // Strict options: the tree is built all the same, and the errors show what AWS would reject
    // (comments, trailing commas), for the json-syntax rule to report.
    root = parseTree(text, syntaxErrors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: true });
  } catch (e) {
    return { text, root: undefined, syntaxErrors, properties: [], statements: [], fatal: `could not parse: ${String(e)}` };
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
  const get = (name: string) => lastValue(node, name);
  return {
    index,
    span: spanOf(node),
    properties: propertiesOf(node),
    sid: scalar(get('Sid')),
    effect: scalar(get('Effect')),
    principal: principal(get('Principal')),
    notPrincipal: principal(get('NotPrincipal')),
    action: valueList(get('Action')),
    notAction: valueList(get('NotAction')),
    resource: valueList(get('Resource')),
    notResource: valueList(get('NotResource')),
    condition: conditions(get('Condition')),
  };
}
