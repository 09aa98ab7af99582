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
  // policy-too-large measures policy.text, which here is the whole file; the size is checked below instead.
  const raw = runRules(policy, { severities: { ...severities, 'policy-too-large': 'off' } });
  const opaque = new Set<number>();
  for (const n of walkTree(policy.root as TreeNode | undefined)) if (n.opaque) opaque.add(n.offset);
  const out = raw.filter((f) => !(f.code === 'wrong-type' && opaque.has(f.span.start))).map((f) => ({ ...f, message: displayMessage(policy, f.message) }));
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
