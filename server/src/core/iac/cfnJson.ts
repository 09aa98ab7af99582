/** Key policies in CloudFormation JSON templates: `{"Fn::Sub": ...}` and `{"Ref": ...}` are read as symbolic values. */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import type { PolicyDocument } from '../policy/model';
import { embeddedPolicy, oneLine, symbolicNode } from './build';
import { branchedPolicy, CFN_KEY_TYPES, intrinsicSegments, isIntrinsicName, isListParameterType, isUnknownIntrinsic, type CfnContext, type Gen } from './cfn';
import { BYPASS_RULE_ID, bypassMessage } from './bypassRule';
import { regionParser, transformTree } from './jsonRegion';
import { Symbols, type ValueRole } from './symbols';
import { REMOVED, spanOfNode, type TreeNode } from './tree';
import type { IacDocument, IacProblem } from './types';

function value(obj: Node | undefined, key: string): Node | undefined {
  if (obj?.type !== 'object') return undefined;
  let found: Node | undefined;
  for (const p of obj.children ?? []) if (p.children?.[0]?.value === key) found = p.children?.[1];
  return found;
}

function property(obj: Node | undefined, key: string): Node | undefined {
  if (obj?.type !== 'object') return undefined;
  return obj.children?.find((p) => p.children?.[0]?.value === key);
}

export function cfnJsonDocument(text: string): IacDocument {
  const parseRegion = regionParser(text);
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: true });
  } catch (e) {
    return { kind: 'cfn-json', policies: [], problems: [{ code: 'iac-syntax', severity: 'error', span: { start: 0, end: Math.min(1, text.length) }, message: `JSON could not be read: ${String(e)}` }], modules: [] };
  }
  const problems: IacProblem[] = [];
  const policies: PolicyDocument[] = [];
  const regions: { start: number; end: number }[] = [];
  const resources = value(root, 'Resources');
  const types = new Map<string, string>();
  for (const p of resources?.children ?? []) {
    const id = p.children?.[0]?.value;
    const type = value(p.children?.[1], 'Type');
    if (typeof id === 'string' && type?.type === 'string') types.set(id, type.value as string);
  }
  const listParameters = new Set<string>();
  for (const p of value(root, 'Parameters')?.children ?? []) {
    const name = p.children?.[0]?.value;
    const type = value(p.children?.[1], 'Type');
    if (typeof name === 'string' && type?.type === 'string' && isListParameterType(String(type.value))) listParameters.add(name);
  }
  const ctx: CfnContext = { resources: types, listParameters };
  const symbols = new Symbols();
  for (const p of resources?.children ?? []) {
    const [idNode, resource] = p.children ?? [];
    const id = idNode?.value;
    const type = types.get(String(id));
    if (typeof id !== 'string' || !type || !CFN_KEY_TYPES.includes(type)) continue;
    const props = value(resource, 'Properties');
    const policyProp = property(props, 'KeyPolicy');
    const bypassProp = property(props, 'BypassPolicyLockoutSafetyCheck');
    const bypassValue = bypassProp?.children?.[1];
    const bypass = bypassValue && (bypassValue.value === true || bypassValue.value === 'true') ? spanOfNode(bypassProp!) : undefined;
    const policyNode = policyProp?.children?.[1];
    if (!policyNode || policyNode.type !== 'object') {
      if (bypass) problems.push({ code: BYPASS_RULE_ID, severity: 'warning', span: bypass, message: bypassMessage(false) });
      continue;
    }
    const span = spanOfNode(policyNode);
    regions.push(span);
    const place = {
      kind: 'cfn-json',
      form: 'json',
      resource: id,
      resourceType: type,
      resourceSpan: spanOfNode(idNode!),
      resourceFullSpan: spanOfNode(p),
      span,
      keySpan: spanOfNode(policyProp!.children![0]),
      bypassLockoutSafetyCheck: bypass,
    } as const;
    policies.push(
      branchedPolicy(symbols, (branch) => {
        // Each branch reads its own copy: intrinsics are replaced in place.
        const region = parseRegion(span);
        const visit = (n: TreeNode, principal: ValueRole): TreeNode | undefined => {
          const fn = intrinsicOf(n);
          if (!fn) return undefined;
          if (fn === 'Fn::If') {
            // `{"Fn::If": [Cond, A, B]}`: in a branch where Cond has a value, the value is A or B.
            const args = n.children![0].children?.[1];
            const name = args?.type === 'array' && args.children?.length === 3 && args.children[0].type === 'string' ? String(args.children[0].value) : undefined;
            if (name !== undefined) {
              branch.conditions.add(name);
              const value = branch.assignment?.get(name);
              if (value !== undefined) {
                const picked = args!.children![value ? 1 : 2];
                if (intrinsicOf(picked) === 'Ref' && picked.children![0].children?.[1]?.value === 'AWS::NoValue') return REMOVED;
                const replaced = visit(picked, principal);
                if (replaced) return replaced;
                transformTree(picked, visit, principal);
                return picked;
              }
            }
          }
          const source = text.slice(n.offset, n.offset + n.length);
          const g = gen(n);
          const segments = intrinsicSegments(g, ctx);
          const written = oneLine(source);
          if (isUnknownIntrinsic(g, ctx)) symbols.unresolved(spanOfNode(n), written);
          return symbolicNode(spanOfNode(n), segments ?? [{ sym: written, meaning: { kind: 'unknown', name: written } }], principal, written, source, symbols);
        };
        if (region.root) transformTree(region.root, visit);
        return embeddedPolicy(region.text, region.root, region.errors, place, symbols);
      }),
    );
  }
  // Errors inside a policy are the json-syntax rule's; the others are the template's.
  const seen = new Set<number>();
  for (const e of errors) {
    if (regions.some((r) => e.offset >= r.start && e.offset < r.end) || seen.has(e.offset)) continue;
    seen.add(e.offset);
    problems.push({ code: 'iac-syntax', severity: 'error', span: { start: e.offset, end: e.offset + Math.max(1, e.length) }, message: `Template JSON syntax: ${describe(e.error)}.` });
  }
  return { kind: 'cfn-json', policies, problems, modules: [] };
}

const ERROR_NAMES: Record<number, string> = {
  1: 'invalid symbol',
  2: 'invalid number format',
  3: 'property name expected',
  4: 'value expected',
  5: 'colon expected',
  6: 'comma expected',
  7: 'closing brace expected',
  8: 'closing bracket expected',
  9: 'end of file expected',
  10: 'invalid comment token',
  11: 'unexpected end of comment',
  12: 'unexpected end of string',
  13: 'unexpected end of number',
  14: 'invalid unicode',
  15: 'invalid escape character',
  16: 'invalid character',
};

function describe(code: number): string {
  return ERROR_NAMES[code] ?? 'invalid JSON';
}

function intrinsicOf(n: TreeNode): string | undefined {
  if (n.type !== 'object' || n.children?.length !== 1) return undefined;
  const key = n.children[0].children?.[0]?.value;
  return typeof key === 'string' && isIntrinsicName(key) ? key : undefined;
}

function gen(n: Node | undefined): Gen {
  if (!n) return { kind: 'other' };
  const fn = intrinsicOf(n as TreeNode);
  if (fn) return { kind: 'fn', name: fn, arg: gen(n.children![0].children?.[1]) };
  switch (n.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return { kind: 'str', value: String(n.value) };
    case 'array':
      return { kind: 'seq', items: (n.children ?? []).map(gen) };
    case 'object':
      return { kind: 'map', entries: (n.children ?? []).map((p) => [String(p.children?.[0]?.value ?? ''), gen(p.children?.[1])] as const) };
    default:
      return { kind: 'other' };
  }
}
