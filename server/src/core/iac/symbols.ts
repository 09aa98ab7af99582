/**
 * Symbolic principals. IaC writes principals with intrinsics and references
 * (`!Sub arn:aws:iam::${AWS::AccountId}:root`, `!GetAtt AppRole.Arn`, `aws_iam_role.ci.arn`,
 * `"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"`). The evaluator works on
 * principal strings, so each symbol gets a stable synthetic value:
 * - "this account" (`AWS::AccountId`, `aws_caller_identity`) is the placeholder account
 *   000000000000; any other account-valued symbol gets its own placeholder (000000000001, ...);
 * - a role or user of the file is `arn:aws:iam::000000000000:role/<name>` (or `user/<name>`);
 * - any other reference used as a principal is a role named after the reference.
 * Distinct symbols stay distinct principals, the same symbol is the same principal everywhere in
 * the file, and messages name them as written (see `display`).
 */

import type { Span, UnknownPart } from '../policy/model';

export const THIS_ACCOUNT = '000000000000';

/** What a symbol stands for. */
export type SymbolMeaning =
  | { readonly kind: 'this-account' }
  | { readonly kind: 'partition' }
  | { readonly kind: 'region' }
  | { readonly kind: 'url-suffix' }
  /** A role or user ARN (GetAtt Role.Arn, aws_iam_role.x.arn). */
  | { readonly kind: 'principal'; readonly type: 'role' | 'user'; readonly name: string }
  /** Anything else: a parameter, a variable, a resource name. */
  | { readonly kind: 'unknown'; readonly name: string };

export type Segment = { readonly lit: string } | { readonly sym: string; readonly meaning: SymbolMeaning };

/**
 * What a value stands for where it is written: `true` names a principal (Principal,
 * NotPrincipal, aws:PrincipalArn...), `'account'` is an account id (kms:CallerAccount,
 * aws:SourceAccount...), `false` anything else.
 */
export type ValueRole = boolean | 'account';

export interface Resolved {
  /** The synthetic value the evaluator and rules see. */
  readonly value: string;
  /** False when the value depends on something unknown here (outside a principal, rules should skip it). */
  readonly concrete: boolean;
}

const SENTINEL = '\u0001';

export class Symbols {
  /** Per policy (see `startPolicy`): synthetic value -> as written, for messages. */
  display: Record<string, string> = {};
  /** Per policy: synthetic value -> source text, for edits. */
  source: Record<string, string> = {};
  /** Per policy: the parts that cannot be resolved here (a dynamic block, concat(var.x), Fn::ImportValue). */
  unknown: UnknownPart[] = [];
  private readonly accounts = new Map<string, string>();
  /** Principals by synthetic value, to keep the first way each was written. */
  private next = 1;

  /** The placeholder account for an account-valued symbol. */
  account(symbol: string, meaning: SymbolMeaning): string {
    if (meaning.kind === 'this-account') {
      this.remember(THIS_ACCOUNT, symbol, symbol);
      return THIS_ACCOUNT;
    }
    const key = meaning.kind === 'unknown' || meaning.kind === 'principal' ? meaning.name : symbol;
    let a = this.accounts.get(key);
    if (!a) {
      a = String(this.next++).padStart(12, '0');
      this.accounts.set(key, a);
    }
    this.remember(a, symbol, symbol);
    return a;
  }

  /** Placeholders stay the same across the file; how they read is kept per policy. */
  startPolicy(): void {
    this.display = {};
    this.source = {};
    this.unknown = [];
  }

  /** Notes a part of the policy that is not evaluated: `what` as written, on one line and short. */
  unresolved(span: Span, what: string): void {
    const line = what.replace(/\s+/g, ' ').trim();
    this.unknown.push({ span, what: line.length > 80 ? `${line.slice(0, 77)}...` : line });
  }

  /** Records how a synthetic value is written (first writing wins, so messages are stable). */
  remember(value: string, written: string, source: string): void {
    if (!(value in this.display)) this.display[value] = written;
    if (!(value in this.source)) this.source[value] = source;
  }

  /**
   * The synthetic value of a string built from literal and symbolic segments. `principal`: the
   * value names a principal (Principal elements, aws:PrincipalArn), so a lone unknown symbol is
   * read as a role named after it; or it is an account id (kms:CallerAccount), so a lone unknown
   * symbol is an account of its own, the same one an ARN with that symbol in its account field
   * names (`arn:aws:iam::${var.account_id}:root`).
   */
  resolve(segments: readonly Segment[], principal: ValueRole): Resolved {
    const syms = segments.filter((s): s is Extract<Segment, { sym: string }> => 'sym' in s);
    if (syms.length === 0) return { value: segments.map((s) => ('lit' in s ? s.lit : '')).join(''), concrete: true };
    if (segments.length === 1) {
      const s = syms[0];
      const m = s.meaning;
      if (m.kind === 'this-account') return { value: this.account(s.sym, m), concrete: true };
      if (m.kind === 'unknown' && principal === 'account') return { value: this.account(s.sym, m), concrete: true };
      if (m.kind === 'principal') return { value: principalArn(THIS_ACCOUNT, m.type, m.name), concrete: true };
      if (m.kind === 'unknown' && principal === true) return { value: principalArn(THIS_ACCOUNT, 'role', m.name), concrete: true };
    }
    // Render with sentinels, then decide per ARN field what each symbol becomes.
    let rendered = '';
    syms.length = 0;
    for (const s of segments) {
      if ('lit' in s) rendered += s.lit.split(SENTINEL).join('');
      else {
        rendered += `${SENTINEL}${syms.length}${SENTINEL}`;
        syms.push(s);
      }
    }
    const fields = rendered.split(':');
    let concrete = true;
    const sub = (text: string, field: number) =>
      text.replace(new RegExp(`${SENTINEL}(\\d+)${SENTINEL}`, 'g'), (_m, i: string) => {
        const s = syms[Number(i)];
        const m = s.meaning;
        const whole = text === `${SENTINEL}${i}${SENTINEL}`;
        // The partition field is a partition whatever the symbol is called (`${local.partition}`).
        if (m.kind === 'partition' || (field === 1 && whole)) return 'aws';
        if (m.kind === 'region') return 'us-east-1';
        if (m.kind === 'url-suffix') return 'amazonaws.com';
        if (m.kind === 'this-account') return this.account(s.sym, m);
        if (field === 4 && whole) return this.account(s.sym, m);
        if (m.kind === 'principal' && whole && fields.length === 1) return principalArn(THIS_ACCOUNT, m.type, m.name);
        concrete = false;
        return sanitize(m.kind === 'principal' || m.kind === 'unknown' ? m.name : s.sym);
      });
    const value = rendered.startsWith('arn') ? fields.map(sub).join(':') : sub(rendered, -1);
    // A name inside an IAM ARN (role/${RoleName}) still names a distinct principal.
    if (!concrete && /^arn:[^:]*:(iam|sts)::\d{12}:/.test(value)) concrete = true;
    return { value, concrete: concrete || principal === true };
  }
}

export function principalArn(account: string, type: 'role' | 'user', name: string): string {
  return `arn:aws:iam::${account}:${type}/${sanitize(name)}`;
}

/** IAM names allow `[\w+=,.@-]`; everything else becomes `_`. */
export function sanitize(name: string): string {
  const s = name.replace(/[^\w+=,.@-]/g, '_');
  return s || '_';
}

/**
 * Splits `${...}` interpolations out of a string: CloudFormation `Fn::Sub` (where `${!x}` is the
 * literal `${x}`) and Terraform templates (where `$${` is the literal `${`).
 */
export function splitInterpolations(text: string, style: 'cfn' | 'terraform'): ({ lit: string } | { expr: string; offset: number })[] {
  const out: ({ lit: string } | { expr: string; offset: number })[] = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    if (style === 'terraform' && text.startsWith('$${', i)) {
      lit += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('${', i)) {
      if (style === 'cfn' && text[i + 2] === '!') {
        const close = text.indexOf('}', i);
        if (close < 0) break;
        lit += '${' + text.slice(i + 3, close) + '}';
        i = close + 1;
        continue;
      }
      const close = matchingBrace(text, i + 1);
      if (close < 0) {
        lit += text.slice(i);
        i = text.length;
        break;
      }
      if (lit) out.push({ lit });
      lit = '';
      out.push({ expr: text.slice(i + 2, close).trim(), offset: i });
      i = close + 1;
      continue;
    }
    lit += text[i++];
  }
  if (lit) out.push({ lit });
  return out;
}

/** Index of the `}` that closes the `{` at `open`, skipping nested braces and quoted strings. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}
