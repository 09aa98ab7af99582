/**
 * Every diagnostic of a domain spec: syntax, schema, the semantic checks of resolve.ts, and
 * those that need the workspace, given as plain data: the governed policy (or that it is
 * missing), and the other specs with the same domain name or the same policy.
 */
import type { PolicyDocument } from '../policy/model';
import type { SeveritySetting } from '../rules/types';
import { driftSummary } from './drift';
import type { DomainSpec } from './model';
import { resolveSpec } from './resolve';
import { settle, type DomainFinding, type RawDomainFinding } from './rules';
import { schemaFindings, type SchemaValidator } from './schema';

/** What `key.policy` points at, as the caller found it. */
export type PolicyLookup =
  | { readonly state: 'found'; readonly policy: PolicyDocument }
  | { readonly state: 'missing' }
  /** The file exists but is not a policy we can read (not JSON, binary, or an IaC resource not found). */
  | { readonly state: 'unreadable'; readonly message: string }
  /** Not looked up (no file system): nothing is reported about the policy. */
  | { readonly state: 'unknown' };

export interface SpecCheckInput {
  /** ajv over DOMAIN_SCHEMA (service/domainSchema.ts); without it, no schema findings. */
  readonly validate?: SchemaValidator;
  readonly policy?: PolicyLookup;
  /** Display names (paths or URIs) of other specs with the same domain name. */
  readonly sameDomain?: readonly string[];
  /** Display names of other specs that govern the same policy. */
  readonly samePolicy?: readonly string[];
  /** `kmsPolicy.rules` / `--rule`: id -> severity or off. */
  readonly severities?: Readonly<Record<string, SeveritySetting | undefined>>;
}

export function checkSpec(spec: DomainSpec, input: SpecCheckInput = {}): DomainFinding[] {
  const raw: RawDomainFinding[] = [];
  for (const e of spec.syntaxErrors) raw.push({ code: 'spec-syntax', span: e.span, message: e.message });
  if (spec.root && spec.root.kind !== 'object') {
    raw.push({ code: 'spec-schema', span: spec.root.span, message: 'A domain spec is a mapping of fields (domain, key, principals, access...).' });
    return settle(raw, input.severities);
  }
  if (!spec.root) {
    if (spec.syntaxErrors.length === 0) raw.push({ code: 'spec-schema', span: { start: 0, end: 0 }, message: 'This domain spec is empty: it needs domain, key and access.' });
    return settle(raw, input.severities);
  }
  if (input.validate) for (const f of schemaFindings(spec, input.validate)) raw.push({ code: 'spec-schema', span: f.span, message: f.message });
  const { resolved, problems } = resolveSpec(spec);
  raw.push(...problems);

  if (spec.domain && input.sameDomain?.length) {
    raw.push({
      code: 'spec-duplicate-domain',
      span: spec.domain.span,
      message: `Another domain spec also names the domain "${resolved.domain}": ${input.sameDomain.join(', ')}. One data domain has one key and one spec; rename one of them.`,
    });
  }
  const policySpan = spec.key?.policy?.span;
  if (policySpan && input.samePolicy?.length) {
    raw.push({ code: 'spec-duplicate-policy', span: policySpan, message: `${input.samePolicy.join(', ')} also govern${input.samePolicy.length === 1 ? 's' : ''} this key policy: their drift findings would contradict each other. Keep one spec per key policy.` });
  }
  const lookup = input.policy ?? { state: 'unknown' };
  if (policySpan && resolved.policy) {
    const name = resolved.policy.path + (resolved.policy.resource ? `#${resolved.policy.resource}` : '');
    if (lookup.state === 'missing') {
      raw.push({
        code: 'spec-policy-missing',
        span: policySpan,
        message: `${name} does not exist. Generate it from this spec ("Generate key policy from domain spec", or kms-policy generate --write).`,
        data: { generate: true },
      });
    } else if (lookup.state === 'unreadable') {
      raw.push({ code: 'spec-policy-out-of-date', span: policySpan, message: `${name} cannot be compared with this spec: ${lookup.message}` });
    } else if (lookup.state === 'found') {
      const summary = driftSummary(lookup.policy, spec);
      if (summary && summary.count > 0) {
        raw.push({
          code: 'spec-policy-out-of-date',
          span: policySpan,
          message: `${name} is out of date with this spec (${summary.count} difference${summary.count === 1 ? '' : 's'} in effective access${summary.count > 1 ? '; the first' : ''}): ${summary.first} Regenerate it from this spec, or change the spec.`,
          data: { generate: true },
        });
      }
    }
  }
  return settle(raw, input.severities);
}

/** Whether the spec can generate its policy: no errors of its own (the workspace-dependent ones aside). */
export function generationErrors(spec: DomainSpec, validate?: SchemaValidator): string[] {
  const errors = checkSpec(spec, { validate }).filter((f) => f.severity === 'error');
  return errors.map((f) => f.message);
}
