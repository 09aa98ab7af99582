/**
 * Findings for key policies inside IaC files: the same rules as for a policy file, run on each
 * embedded policy, plus the IaC-only ones (host syntax errors, the lockout safety check bypass).
 * Messages name principals as written in the file.
 */
import type { PolicyDocument, Span } from '../policy/model';
import { runRules, type Finding, type Rule, type RunOptions } from '../rules/index';
import { KEY_POLICY_MAX_BYTES } from '../rules/policySize';
import { effectiveSeverity, sortFindings } from '../rules/severity';
import { tooComplex } from '../limits';
import { walkTree, type TreeNode } from './tree';
import { bypassLockoutSafetyCheck } from './bypassRule';

export { BYPASS_RULE_ID, bypassLockoutSafetyCheck, bypassMessage } from './bypassRule';
import type { IacDocument } from './types';
import type { PolicyBranch } from '../policy/model';

export const IAC_SYNTAX_RULE_ID = 'iac-syntax';

/** Rules that only apply to a policy inside an IaC file (they read its resource), run on each embedded policy. */
export const IAC_POLICY_RULES: readonly Rule[] = [bypassLockoutSafetyCheck];

/** The IaC-only rule ids, for settings, `--rule` and the rule docs. `iac-syntax` findings come from the host's parser. */
export const IAC_RULES: readonly Pick<Rule, 'id' | 'defaultSeverity' | 'summary'>[] = [
  ...IAC_POLICY_RULES,
  { id: IAC_SYNTAX_RULE_ID, defaultSeverity: 'error', summary: 'The CloudFormation template or Terraform file has a syntax error, so policies in or after it may not be analyzed.' },
];

/** Every finding of an IaC file: each embedded policy's, then the file's own, sorted by position. */
export function iacFindings(iac: IacDocument, options: RunOptions = {}): Finding[] {
  const out: Finding[] = [];
  for (const policy of iac.policies) out.push(...policyFindings(policy, options));
  for (const p of iac.problems) {
    const severity = effectiveSeverity(p.code, p.severity, options.severities);
    if (severity) out.push({ code: p.code, severity, span: p.span, message: p.message });
  }
  return sortFindings(out);
}

/** The rules on one embedded policy, with its host-aware adjustments (within the analysis limits). */
export function policyFindings(policy: PolicyDocument, options: RunOptions = {}): Finding[] {
  const severities = options.severities ?? {};
  const skipped = tooComplex(policy);
  if (skipped) return [skipped];
  const branches = policy.embedded?.branches;
  const out = branches ? branchFindings(branches, (p) => ruleFindings(p, severities)) : ruleFindings(policy, severities);
  const e = policy.embedded;
  if (!e) return out;
  const size = effectiveSeverity('policy-too-large', 'error', severities);
  if (size && e.bytes > KEY_POLICY_MAX_BYTES) {
    out.push({
      code: 'policy-too-large',
      severity: size,
      span: e.keySpan,
      message: `This key policy is ${e.bytes} bytes as AWS receives it; AWS refuses key policies over ${KEY_POLICY_MAX_BYTES} bytes (32 KB). Merge statements, or use wildcards that match exactly one capability.`,
    });
  }
  for (const rule of IAC_POLICY_RULES) {
    for (const f of rule.check(policy, { policy, access: () => [] })) {
      const severity = effectiveSeverity(rule.id, f.severity ?? rule.defaultSeverity, severities);
      if (severity) out.push({ ...f, code: rule.id, severity });
    }
  }
  return out;
}

/** The rules on one policy (or one branch of it), messages naming principals as written. */
function ruleFindings(policy: PolicyDocument, severities: NonNullable<RunOptions['severities']>): Finding[] {
  // policy-too-large measures policy.text, which here is the whole file; the size is checked in policyFindings instead.
  const raw = runRules(policy, { severities: { ...severities, 'policy-too-large': 'off' } });
  const opaque = new Set<number>();
  for (const n of walkTree(policy.root as TreeNode | undefined)) if (n.opaque) opaque.add(n.offset);
  return raw.filter((f) => !(f.code === 'wrong-type' && opaque.has(f.span.start))).map((f) => ({ ...f, message: displayMessage(policy, f.message) }));
}

/**
 * The findings of a policy with `Fn::If`, from the findings of each branch: one that holds in
 * every branch is reported once, as it is (with the words most branches give it: the details,
 * such as how many actions IAM could grant, may vary by branch); one that holds in some says
 * when ("when S3Readers is true: ...").
 */
export function branchFindings(branches: readonly PolicyBranch[], findingsOf: (policy: PolicyDocument) => Finding[]): Finding[] {
  // By rule and place, then by message: which branches have it.
  const seen = new Map<string, Map<string, { finding: Finding; where: number[] }>>();
  branches.forEach((b, i) => {
    for (const f of findingsOf(b.policy)) {
      const place = `${f.code}|${f.severity}|${f.span.start}|${f.span.end}`;
      let byMessage = seen.get(place);
      if (!byMessage) seen.set(place, (byMessage = new Map()));
      const entry = byMessage.get(f.message);
      if (!entry) byMessage.set(f.message, { finding: f, where: [i] });
      else if (entry.where[entry.where.length - 1] !== i) entry.where.push(i);
    }
  });
  const out: Finding[] = [];
  for (const byMessage of seen.values()) {
    const entries = [...byMessage.values()];
    const everywhere = new Set(entries.flatMap((e) => e.where)).size === branches.length && entries.every((e) => new Set(e.where).size === e.where.length);
    if (everywhere && entries.reduce((n, e) => n + e.where.length, 0) === branches.length) {
      out.push(entries.reduce((a, b) => (b.where.length > a.where.length ? b : a)).finding);
      continue;
    }
    for (const { finding, where } of entries) {
      if (where.length === branches.length) out.push(finding);
      else for (const when of describeBranches(branches, where)) out.push({ ...finding, message: `${when}: ${finding.message}` });
    }
  }
  return out;
}

/** "when S3Readers is true" for the branches at these positions: one condition's value if that picks exactly them, else each branch in full. */
function describeBranches(branches: readonly PolicyBranch[], where: readonly number[]): string[] {
  for (const [condition] of branches[0].when) {
    for (const value of [true, false]) {
      const picked = branches.flatMap((b, i) => (b.when.some(([c, v]) => c === condition && v === value) ? [i] : []));
      if (picked.length === where.length && picked.every((i, k) => i === where[k])) return [`when ${condition} is ${value}`];
    }
  }
  return where.map((i) => {
    const when = branches[i].when;
    const holding = when.filter(([, v]) => v).map(([c]) => c);
    if (when.length <= 3) return `when ${when.map(([c, v]) => `${c} is ${v}`).join(' and ')}`;
    if (holding.length === 0) return `when none of its ${when.length} conditions (${when.map(([c]) => c).join(', ')}) holds`;
    return `when ${holding.join(' and ')} ${holding.length === 1 ? 'is' : 'are'} true and the other conditions false`;
  });
}

/** Replaces synthetic principals and placeholder accounts in a message with the text as written. */
export function displayMessage(policy: PolicyDocument, message: string): string {
  const display = policy.embedded?.display;
  if (!display) return message;
  const keys = Object.keys(display).sort((a, b) => b.length - a.length);
  if (keys.length === 0) return message;
  const pattern = new RegExp(keys.map((k) => (/^\d{12}$/.test(k) ? `(?<!\\d)${k}(?!\\d)` : escapeRegExp(k))).join('|'), 'g');
  return message.replace(pattern, (m) => display[m] ?? m);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type { Span };
