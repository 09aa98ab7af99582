/**
 * The ids of domain spec and drift findings: stable kebab-case, each documented with a
 * `## id` section in docs/domain-spec.md. Like the policy rules, settings can override the
 * severity of any of them (`kmsPolicy.rules`, `--rule id=level`).
 */
import { effectiveSeverity, sortFindings } from '../rules/severity';
import type { Span } from '../policy/model';
import type { Finding, Severity, SeveritySetting } from '../rules/types';

export const DOMAIN_DOCS_PAGE = 'docs/domain-spec.md';

export interface DomainRule {
  readonly id: string;
  readonly defaultSeverity: Severity;
  readonly summary: string;
}

export const DOMAIN_RULES: readonly DomainRule[] = [
  { id: 'spec-syntax', defaultSeverity: 'error', summary: 'The domain spec is not valid YAML or JSON.' },
  { id: 'spec-schema', defaultSeverity: 'error', summary: 'A domain spec field is missing, unknown, or of the wrong type or form.' },
  { id: 'spec-unknown-capability', defaultSeverity: 'error', summary: 'A key under access is not one of the five capabilities.' },
  { id: 'spec-undefined-principal', defaultSeverity: 'error', summary: 'A name under access or grantsForAWSResources is not defined under principals.' },
  { id: 'spec-malformed-arn', defaultSeverity: 'error', summary: 'A principal is not a valid IAM principal ARN (or short form).' },
  { id: 'spec-malformed-account', defaultSeverity: 'error', summary: 'An account id is not 12 digits.' },
  { id: 'spec-unknown-service', defaultSeverity: 'warning', summary: 'A name under services is not a known AWS service that calls KMS.' },
  { id: 'spec-no-administrator', defaultSeverity: 'error', summary: 'No principal holds administer-resource: the generated policy would lock the key.' },
  { id: 'spec-separation-of-duties', defaultSeverity: 'info', summary: 'A principal both administers the key and reads or writes its data.' },
  { id: 'spec-unused-principal', defaultSeverity: 'warning', summary: 'A principal defined under principals holds no capability.' },
  { id: 'spec-duplicate-domain', defaultSeverity: 'warning', summary: 'Another domain spec in the workspace has the same domain name.' },
  { id: 'spec-duplicate-policy', defaultSeverity: 'warning', summary: 'Another domain spec governs the same key policy.' },
  { id: 'spec-policy-missing', defaultSeverity: 'warning', summary: 'The key policy the spec governs (key.policy) does not exist.' },
  { id: 'spec-policy-out-of-date', defaultSeverity: 'warning', summary: 'The governed key policy grants different access than the spec says.' },
  { id: 'drift-extra-access', defaultSeverity: 'error', summary: 'The key policy grants access its domain spec does not give.' },
  { id: 'drift-missing-access', defaultSeverity: 'warning', summary: 'The key policy lacks access its domain spec gives.' },
];

const byId = new Map(DOMAIN_RULES.map((r) => [r.id, r]));

export function findDomainRule(id: string): DomainRule | undefined {
  return byId.get(id);
}

/** A place in another file (the spec, for a drift finding on a policy), for related information. */
export interface ElsewhereRef {
  readonly uri: string;
  readonly span: Span;
  readonly message: string;
}

export interface DomainFinding extends Finding {
  readonly elsewhere?: readonly ElsewhereRef[];
}

/** A finding before its severity is settled. */
export interface RawDomainFinding {
  readonly code: string;
  readonly span: Span;
  readonly message: string;
  readonly severity?: Severity;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly related?: Finding['related'];
  readonly elsewhere?: readonly ElsewhereRef[];
}

/** Applies defaults and settings (`off` drops a finding), and sorts by position, then severity. */
export function settle(raw: readonly RawDomainFinding[], severities?: Readonly<Record<string, SeveritySetting | undefined>>): DomainFinding[] {
  const out: DomainFinding[] = [];
  for (const f of raw) {
    const severity = effectiveSeverity(f.code, f.severity ?? findDomainRule(f.code)?.defaultSeverity ?? 'error', severities);
    if (severity) out.push({ ...f, severity });
  }
  return sortFindings(out);
}
