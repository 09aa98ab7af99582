/** CloudFormation intrinsics, shared by the JSON and YAML template readers. */
import type { PolicyDocument } from '../policy/model';
import type { Segment, SymbolMeaning, Symbols } from './symbols';
import { splitInterpolations } from './symbols';
import type { PolicyBranch } from '../policy/model';

/** A template value, reduced to what intrinsic evaluation needs. */
export type Gen =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'seq'; readonly items: readonly Gen[] }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [string, Gen])[] }
  | { readonly kind: 'fn'; readonly name: string; readonly arg: Gen }
  | { readonly kind: 'other' };

/** Resource types that hold a key policy. */
export const CFN_KEY_TYPES = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'];

/** Short-form tags: `!Sub` -> `Fn::Sub`. */
export const CFN_TAGS: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  ...Object.fromEntries(
    ['Sub', 'GetAtt', 'Join', 'If', 'ImportValue', 'FindInMap', 'Select', 'Split', 'Base64', 'Cidr', 'GetAZs', 'Equals', 'And', 'Or', 'Not', 'Transform', 'Length', 'ToJsonString', 'ForEach'].map((n) => [`!${n}`, `Fn::${n}`]),
  ),
};

export function isIntrinsicName(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

export interface CfnContext {
  /** Logical id -> resource type. */
  readonly resources: ReadonlyMap<string, string>;
  /** Parameters whose value is a list (`CommaDelimitedList`, `List<...>`): a `!Ref` to one is a list not known here. */
  readonly listParameters: ReadonlySet<string>;
}

/** The branch of `Fn::If` being analyzed: a value per condition; conditions met so far are added to `conditions`. */
export interface CfnBranch {
  readonly assignment?: ReadonlyMap<string, boolean>;
  readonly conditions: Set<string>;
}

/**
 * The branches to analyze for these `Fn::If` conditions: every combination of up to three; for
 * more, all false and each one true alone (conditions of one template are often exclusive, such
 * as one per value of a parameter), N + 1 branches rather than 2^N.
 */
export function branchAssignments(conditions: readonly string[]): Map<string, boolean>[] {
  if (conditions.length <= 3) {
    const out: Map<string, boolean>[] = [];
    for (let bits = (1 << conditions.length) - 1; bits >= 0; bits--) out.push(new Map(conditions.map((c, i) => [c, (bits & (1 << (conditions.length - 1 - i))) !== 0])));
    return out;
  }
  return [new Map(conditions.map((c) => [c, false])), ...conditions.map((one) => new Map(conditions.map((c) => [c, c === one])))];
}

/** More conditions than this in one key policy: the `Fn::If`s are not branched. */
const MAX_BRANCHED_CONDITIONS = 12;

/**
 * A key policy read once as written, and, when it holds `Fn::If`, once more per branch (see
 * branchAssignments): the policy as written, with the branches in `embedded.branches`.
 */
export function branchedPolicy(symbols: Symbols, read: (branch: CfnBranch) => PolicyDocument): PolicyDocument {
  symbols.startPolicy();
  const conditions = new Set<string>();
  const base = read({ conditions });
  if (conditions.size === 0 || conditions.size > MAX_BRANCHED_CONDITIONS || !base.embedded) return base;
  const branches: PolicyBranch[] = branchAssignments([...conditions]).map((assignment) => {
    symbols.startPolicy();
    return { when: [...assignment], policy: read({ assignment, conditions: new Set() }) };
  });
  return { ...base, embedded: { ...base.embedded, branches } };
}

/** A parameter type whose value is a list. */
export function isListParameterType(type: string): boolean {
  return /^(CommaDelimitedList|List<|AWS::SSM::Parameter::Value<List<)/.test(type);
}

/** Intrinsics whose value comes from outside the template (an export, a mapping, a list): not known here. */
const UNKNOWN_INTRINSICS = new Set(['Fn::ImportValue', 'Fn::FindInMap', 'Fn::Select', 'Fn::Split', 'Fn::GetAZs', 'Fn::Cidr', 'Fn::Transform', 'Fn::ForEach']);

/** Is this intrinsic a value the analysis cannot know (and so must not treat as absent)? */
export function isUnknownIntrinsic(g: Gen, ctx: CfnContext): boolean {
  if (g.kind !== 'fn') return false;
  if (UNKNOWN_INTRINSICS.has(g.name)) return true;
  return g.name === 'Ref' && g.arg.kind === 'str' && ctx.listParameters.has(g.arg.value);
}

const PSEUDO: Readonly<Record<string, SymbolMeaning>> = {
  'AWS::AccountId': { kind: 'this-account' },
  'AWS::Partition': { kind: 'partition' },
  'AWS::Region': { kind: 'region' },
  'AWS::URLSuffix': { kind: 'url-suffix' },
};

/** What `${name}` (a Ref or a GetAtt in dotted form) stands for in this template. */
export function cfnMeaning(name: string, ctx: CfnContext): SymbolMeaning {
  const pseudo = PSEUDO[name];
  if (pseudo) return pseudo;
  const dot = name.indexOf('.');
  if (dot > 0 && name.slice(dot + 1) === 'Arn') {
    const id = name.slice(0, dot);
    const type = ctx.resources.get(id);
    if (type === 'AWS::IAM::Role') return { kind: 'principal', type: 'role', name: id };
    if (type === 'AWS::IAM::User') return { kind: 'principal', type: 'user', name: id };
    return { kind: 'unknown', name };
  }
  // Ref of a role or user resource is its name: `role/${AppRole}` names the same principal as `!GetAtt AppRole.Arn`.
  return { kind: 'unknown', name };
}

/** The segments of a string-valued intrinsic, or undefined when it is not one we can follow. */
export function intrinsicSegments(g: Gen, ctx: CfnContext, depth = 0): Segment[] | undefined {
  if (depth > 16) return undefined;
  if (g.kind === 'str') return [{ lit: g.value }];
  if (g.kind !== 'fn') return undefined;
  const { name, arg } = g;
  if (name === 'Ref' && arg.kind === 'str') return [sym(arg.value, ctx)];
  if (name === 'Fn::GetAtt') {
    if (arg.kind === 'str') return [sym(arg.value, ctx)];
    if (arg.kind === 'seq' && arg.items.length === 2 && arg.items.every((i) => i.kind === 'str')) {
      return [sym(`${(arg.items[0] as { value: string }).value}.${(arg.items[1] as { value: string }).value}`, ctx)];
    }
    return undefined;
  }
  if (name === 'Fn::Sub') {
    let template: string | undefined;
    let vars: ReadonlyMap<string, Gen> = new Map();
    if (arg.kind === 'str') template = arg.value;
    else if (arg.kind === 'seq' && arg.items[0]?.kind === 'str') {
      template = arg.items[0].value;
      const m = arg.items[1];
      if (m?.kind === 'map') vars = new Map(m.entries);
    }
    if (template === undefined) return undefined;
    const out: Segment[] = [];
    for (const part of splitInterpolations(template, 'cfn')) {
      if ('lit' in part) out.push({ lit: part.lit });
      else if (vars.has(part.expr)) {
        const inner = intrinsicSegments(vars.get(part.expr)!, ctx, depth + 1);
        if (!inner) return undefined;
        out.push(...inner);
      } else out.push(sym(part.expr, ctx));
    }
    return out;
  }
  if (name === 'Fn::Join' && arg.kind === 'seq' && arg.items[0]?.kind === 'str' && arg.items[1]?.kind === 'seq') {
    const delimiter = arg.items[0].value;
    const out: Segment[] = [];
    arg.items[1].items.forEach((item, i) => {
      if (i > 0 && delimiter) out.push({ lit: delimiter });
      const inner = intrinsicSegments(item, ctx, depth + 1);
      if (inner) out.push(...inner);
      else out.push({ sym: '?', meaning: { kind: 'unknown', name: 'value' } });
    });
    return out;
  }
  return undefined;
}

function sym(name: string, ctx: CfnContext): Segment {
  return { sym: '${' + name + '}', meaning: cfnMeaning(name, ctx) };
}
