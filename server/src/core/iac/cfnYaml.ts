/** Key policies in CloudFormation YAML templates, with short-form (`!Sub`) and long-form (`Fn::Sub`) intrinsics. */
import { isAlias, isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq, type Node as YamlNode, type Pair, type Scalar, type Tags } from 'yaml';
import type { PolicyDocument, Span } from '../policy/model';
import { embeddedPolicy, oneLine, symbolicNode } from './build';
import { branchedPolicy, CFN_KEY_TYPES, CFN_TAGS, intrinsicSegments, isIntrinsicName, isListParameterType, isUnknownIntrinsic, type CfnBranch, type CfnContext, type Gen } from './cfn';
import { principalKey } from './jsonRegion';
import { Symbols, type ValueRole } from './symbols';
import { append, makeNode, makeProperty, REMOVED, type TreeNode } from './tree';
import type { IacDocument, IacProblem } from './types';
import { BYPASS_RULE_ID, bypassMessage } from './bypassRule';

/** Every intrinsic tag as a scalar, a sequence and a mapping, so that none is "unresolved". */
export const CFN_YAML_TAGS: Tags = Object.keys(CFN_TAGS).flatMap((tag) => [
  { tag, resolve: (s: string) => s, identify: () => false },
  { tag, collection: 'seq' as const, nodeClass: YAMLSeq, resolve: (s: unknown) => s as YAMLSeq, identify: () => false },
  { tag, collection: 'map' as const, nodeClass: YAMLMap, resolve: (s: unknown) => s as YAMLMap, identify: () => false },
]);

export function parseCfnYaml(text: string) {
  return parseDocument(text, { customTags: CFN_YAML_TAGS, uniqueKeys: false, prettyErrors: false, strict: false, keepSourceTokens: false });
}

export function cfnYamlDocument(text: string): IacDocument {
  const problems: IacProblem[] = [];
  let doc;
  try {
    doc = parseCfnYaml(text);
  } catch (e) {
    return { kind: 'cfn-yaml', policies: [], problems: [{ code: 'iac-syntax', severity: 'error', span: { start: 0, end: Math.min(1, text.length) }, message: `YAML could not be read: ${String(e)}` }], modules: [] };
  }
  for (const e of doc.errors) {
    const start = Math.min(e.pos[0], text.length);
    problems.push({ code: 'iac-syntax', severity: 'error', span: { start, end: Math.max(Math.min(e.pos[1], text.length), start) }, message: `YAML syntax: ${yamlMessage(e.code, e.message)}` });
  }
  const policies: PolicyDocument[] = [];
  const resources = isMap(doc.contents) ? doc.contents.get('Resources', true) : undefined;
  if (!isMap(resources)) return { kind: 'cfn-yaml', policies, problems, modules: [] };
  const types = new Map<string, string>();
  for (const pair of resources.items) {
    const type = isMap(pair.value) ? scalarString(pair.value.get('Type', true)) : undefined;
    const id = scalarString(pair.key);
    if (id && type) types.set(id, type);
  }
  const listParameters = new Set<string>();
  const parameters = isMap(doc.contents) ? doc.contents.get('Parameters', true) : undefined;
  if (isMap(parameters)) {
    for (const pair of parameters.items) {
      const name = scalarString(pair.key);
      const type = isMap(pair.value) ? scalarString(pair.value.get('Type', true)) : undefined;
      if (name && type && isListParameterType(type)) listParameters.add(name);
    }
  }
  const ctx: CfnContext = { resources: types, listParameters };
  const symbols = new Symbols();
  for (const pair of resources.items) {
    const id = scalarString(pair.key);
    const type = isMap(pair.value) ? scalarString(pair.value.get('Type', true)) : undefined;
    if (!id || !type || !CFN_KEY_TYPES.includes(type) || !isMap(pair.value)) continue;
    const properties = pair.value.get('Properties', true);
    if (!isMap(properties)) continue;
    const policyPair = properties.items.find((p) => scalarString(p.key) === 'KeyPolicy');
    const bypassPair = properties.items.find((p) => scalarString(p.key) === 'BypassPolicyLockoutSafetyCheck');
    const bypassValue = bypassPair && isScalar(bypassPair.value) ? bypassPair.value.value : undefined;
    const bypass = bypassPair && (bypassValue === true || bypassValue === 'true') ? { start: nodeSpan(text, bypassPair.key as YamlNode).start, end: nodeSpan(text, bypassPair.value as YamlNode).end } : undefined;
    if (!policyPair || !policyPair.value || !isMap(policyPair.value)) {
      if (bypass) problems.push({ code: BYPASS_RULE_ID, severity: 'warning', span: bypass, message: bypassMessage(false) });
      continue;
    }
    const keyNode = policyPair.key as YamlNode;
    const place = {
      kind: 'cfn-yaml',
      form: 'yaml',
      resource: id,
      resourceType: type,
      resourceSpan: nodeSpan(text, pair.key as YamlNode),
      resourceFullSpan: { start: nodeSpan(text, pair.key as YamlNode).start, end: nodeSpan(text, pair.value as YamlNode).end },
      span: nodeSpan(text, policyPair.value),
      keySpan: nodeSpan(text, keyNode),
      bypassLockoutSafetyCheck: bypass,
    } as const;
    const policyNode = policyPair.value;
    policies.push(
      branchedPolicy(symbols, (branch) => embeddedPolicy(text, convert(policyNode, false, text, ctx, symbols, branch), [], place, symbols)),
    );
  }
  return { kind: 'cfn-yaml', policies, problems, modules: [] };
}

function yamlMessage(code: string, message: string): string {
  if (code === 'TAB_AS_INDENT') return 'tabs are not allowed as indentation; YAML indents with spaces only.';
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').replace(/\.?$/, '.');
}

/** `!Ref AWS::NoValue` (or `{Ref: AWS::NoValue}`). */
function isNoValue(n: YamlNode | null | undefined): boolean {
  if (!n) return false;
  const fn = intrinsicOf(n);
  return fn?.name === 'Ref' && scalarString(fn.arg) === 'AWS::NoValue';
}

function scalarString(n: unknown): string | undefined {
  return isScalar(n) && typeof n.value === 'string' ? n.value : undefined;
}

/** The node's span without trailing whitespace, and with its tag (`!Sub ...`). */
export function nodeSpan(text: string, n: YamlNode | null | undefined): Span {
  if (!n?.range) return { start: 0, end: 0 };
  let [start, end] = n.range;
  while (end > start && /\s/.test(text[end - 1])) end--;
  const tag = (n as { tag?: string }).tag;
  if (tag && tag.startsWith('!')) {
    const at = text.lastIndexOf(tag, start);
    if (at >= 0 && text.slice(at + tag.length, start).trim() === '') start = at;
  }
  return { start, end };
}

function intrinsicOf(n: YamlNode): { name: string; arg: YamlNode | null } | undefined {
  const tag = (n as { tag?: string }).tag;
  if (tag && CFN_TAGS[tag]) return { name: CFN_TAGS[tag], arg: n };
  if (isMap(n) && n.items.length === 1) {
    const key = scalarString(n.items[0].key);
    if (key && isIntrinsicName(key)) return { name: key, arg: n.items[0].value as YamlNode | null };
  }
  return undefined;
}

function gen(n: YamlNode | null | undefined, untagged = false): Gen {
  if (!n) return { kind: 'other' };
  if (!untagged) {
    const fn = intrinsicOf(n);
    if (fn) return { kind: 'fn', name: fn.name, arg: gen(fn.arg, fn.arg === n) };
  }
  if (isScalar(n)) return n.value === null || typeof n.value === 'object' ? { kind: 'other' } : { kind: 'str', value: String(n.value) };
  if (isSeq(n)) return { kind: 'seq', items: n.items.map((i) => gen(i as YamlNode)) };
  if (isMap(n)) return { kind: 'map', entries: n.items.map((p) => [scalarString(p.key) ?? '', gen(p.value as YamlNode)] as const) };
  return { kind: 'other' };
}

function convert(n: YamlNode | null | undefined, principal: ValueRole, text: string, ctx: CfnContext, symbols: Symbols, branch: CfnBranch): TreeNode {
  if (!n) return makeNode('null', { start: 0, end: 0 }, null);
  const span = nodeSpan(text, n);
  const fn = isAlias(n) ? undefined : intrinsicOf(n);
  if (fn?.name === 'Fn::If' && isSeq(fn.arg) && fn.arg.items.length === 3) {
    // `!If [Cond, A, B]`: in a branch where Cond has a value, the value is A or B.
    const [cond, then, otherwise] = fn.arg.items as (YamlNode | null)[];
    const name = scalarString(cond);
    if (name !== undefined) {
      branch.conditions.add(name);
      const value = branch.assignment?.get(name);
      if (value !== undefined) {
        const picked = value ? then : otherwise;
        return isNoValue(picked) ? REMOVED : convert(picked, principal, text, ctx, symbols, branch);
      }
    }
  }
  if (fn || isAlias(n)) {
    const source = text.slice(span.start, span.end);
    const g = fn ? gen(n) : undefined;
    const segments = g ? intrinsicSegments(g, ctx) : undefined;
    const written = oneLine(source);
    if (g && isUnknownIntrinsic(g, ctx)) symbols.unresolved(span, written);
    return symbolicNode(span, segments ?? [{ sym: written, meaning: { kind: 'unknown', name: written } }], principal, written, source, symbols);
  }
  if (isMap(n)) {
    const obj = makeNode('object', span);
    for (const pair of n.items as Pair<unknown, unknown>[]) {
      const keyNode = pair.key as YamlNode | null;
      if (!keyNode) continue;
      const keySpan = nodeSpan(text, keyNode);
      const name = isScalar(keyNode) ? String((keyNode as Scalar).value) : text.slice(keySpan.start, keySpan.end);
      let colon: number | undefined = text.indexOf(':', keySpan.end);
      if (colon < 0 || text.slice(keySpan.end, colon).trim() !== '') colon = undefined;
      const valueNode = pair.value as YamlNode | null;
      const value = valueNode && !(isScalar(valueNode) && valueNode.value === null && nodeSpan(text, valueNode).start === nodeSpan(text, valueNode).end)
        ? convert(valueNode, principal || principalKey(name), text, ctx, symbols, branch)
        : undefined;
      if (value === REMOVED) continue;
      append(obj, makeProperty(name, keySpan, colon, value));
    }
    return obj;
  }
  if (isSeq(n)) {
    const arr = makeNode('array', span);
    n.items.forEach((item, index) => {
      const child = convert(item as YamlNode, principal, text, ctx, symbols, branch);
      // Elements keep their position as written, so statement names stay the same in every branch.
      if (child !== REMOVED) append(arr, child).index = index;
    });
    return arr;
  }
  if (isScalar(n)) {
    const v = n.value;
    if (v === null || v === undefined) return makeNode('null', span, null);
    if (typeof v === 'number') return makeNode('number', span, v);
    if (typeof v === 'boolean') return makeNode('boolean', span, v);
    return makeNode('string', span, String(v));
  }
  return makeNode('null', span, null);
}
