/**
 * A spec, resolved: principal names to ARNs, the capability assignment the generator takes,
 * the style and the extras (services, grants). Also the semantic problems found on the way,
 * which do not depend on the workspace (those are in check.ts).
 */
import { closest } from '../util/text';
import { CAPABILITIES, type Capability } from '../catalog/catalog';
import type { Span } from '../policy/model';
import { STYLES, type Style } from '../rewrite/leastPrivilege';
import type { PrincipalForm } from '../rewrite/statements';
import type { DomainSpec, SpecScalar } from './model';
import { accountRoot, ACCOUNT_ID, checkPrincipal, looksLikeArn, PARTITIONS, PRINCIPAL_NAME } from '../principal/check';
import type { RawDomainFinding } from './rules';
import { findService, isServiceName, isViaServiceValue, VIA_SERVICES, viaServiceValue } from './services';

export interface PolicyRef {
  /** The path as written, relative to the spec's folder (`./orders.key-policy.json`). */
  readonly path: string;
  /** `file#resource`: the key resource inside an IaC file. */
  readonly resource?: string;
  readonly span: Span;
}

export interface ResolvedSpec {
  readonly domain: string;
  readonly style: Style;
  readonly principalForm: PrincipalForm;
  readonly partition: string;
  readonly account?: string;
  /** The account root ARN (delegate-to-iam's root statement), from `account`. */
  readonly accountRoot?: string;
  /** Principal ARN -> capabilities, in the order of `principals`, then ARNs written directly. Grant-only principals have an empty set. */
  readonly assignment: ReadonlyMap<string, ReadonlySet<Capability>>;
  /** Name -> ARN, for every well-formed definition. */
  readonly arnOfName: ReadonlyMap<string, string>;
  /** ARN -> the first name that defines it. */
  readonly nameOfArn: ReadonlyMap<string, string>;
  /** ARNs allowed to manage grants for AWS resources. */
  readonly grants: readonly string[];
  /** Services as written (for messages) and their kms:ViaService values. */
  readonly services: readonly string[];
  readonly viaServices: readonly string[];
  readonly id?: string;
  readonly policy?: PolicyRef;
  /** Errors that make generation meaningless (their messages), empty when the spec can generate. */
  readonly blockers: readonly string[];
}

export interface Resolution {
  readonly resolved: ResolvedSpec;
  /** Semantic findings (codes from DOMAIN_RULES), before severities are settled. */
  readonly problems: readonly RawDomainFinding[];
}

const cache = new WeakMap<DomainSpec, Resolution>();

/** Resolves a spec once per parse. */
export function resolveSpec(spec: DomainSpec): Resolution {
  let r = cache.get(spec);
  if (!r) cache.set(spec, (r = resolve(spec)));
  return r;
}

export { closest };

export function parsePolicyRef(value: SpecScalar | undefined): PolicyRef | undefined {
  if (!value || value.type !== 'string' || value.value.trim() === '') return undefined;
  const hash = value.value.indexOf('#');
  return hash < 0 ? { path: value.value, span: value.span } : { path: value.value.slice(0, hash), resource: value.value.slice(hash + 1), span: value.span };
}

function resolve(spec: DomainSpec): Resolution {
  const problems: RawDomainFinding[] = [];
  const blockers: string[] = [];
  const problem = (code: string, span: Span, message: string, data?: Record<string, unknown>) => {
    problems.push({ code, span, message, data });
  };
  for (const e of spec.syntaxErrors) blockers.push(e.message);

  const partition = spec.partition?.type === 'string' && (PARTITIONS as readonly string[]).includes(spec.partition.value) ? spec.partition.value : 'aws';
  let account: string | undefined;
  if (spec.account) {
    if (spec.account.type === 'string' && ACCOUNT_ID.test(spec.account.value)) account = spec.account.value;
    else if (spec.account.type === 'string') {
      problem('spec-malformed-account', spec.account.span, `"${spec.account.value}" is not an account id: an account id is exactly 12 digits.`);
      blockers.push('account is not a 12-digit account id');
    } else if (spec.account.type === 'number' && ACCOUNT_ID.test(spec.account.value)) {
      account = spec.account.value; // the schema asks for quotes; the value is still clear
    } else if (spec.account.type === 'number') {
      problem('spec-malformed-account', spec.account.span, `${spec.account.value} is not an account id: an account id is exactly 12 digits (quote it: YAML drops leading zeros from numbers).`);
      blockers.push('account is not a 12-digit account id');
    }
  }

  const styleValue = spec.key?.style?.value;
  const style: Style = styleValue === undefined ? 'key-policy-only' : (STYLES as readonly string[]).includes(styleValue) ? (styleValue as Style) : 'key-policy-only';
  if (styleValue !== undefined && !(STYLES as readonly string[]).includes(styleValue)) blockers.push(`style "${styleValue}" is not one of ${STYLES.join(', ')}`);
  const formValue = spec.key?.principalForm?.value;
  const principalForm: PrincipalForm = formValue === 'explicit' ? 'explicit' : 'k9';
  if (formValue !== undefined && formValue !== 'k9' && formValue !== 'explicit') blockers.push(`principalForm "${formValue}" is not k9 or explicit`);

  // principals
  const arnOfName = new Map<string, string>();
  const nameOfArn = new Map<string, string>();
  const defined = new Set<string>();
  for (const d of spec.principals) {
    defined.add(d.name);
    if (!PRINCIPAL_NAME.test(d.name)) blockers.push(`"${d.name}" is not a valid principal name`);
    if (!d.value || d.value.type !== 'string') {
      blockers.push(`principal ${d.name} has no ARN`); // the schema reports it
      continue;
    }
    const checked = checkPrincipal(d.value.value, account, partition);
    if (!checked.ok) {
      problem(checked.account ? 'spec-malformed-account' : 'spec-malformed-arn', d.value.span, checked.message);
      blockers.push(`principal ${d.name}: ${checked.message}`);
      continue;
    }
    arnOfName.set(d.name, checked.arn);
    if (!nameOfArn.has(checked.arn)) nameOfArn.set(checked.arn, d.name);
  }

  const entryArn = (item: SpecScalar, where: string): string | undefined => {
    const v = item.value;
    if (arnOfName.has(v)) return arnOfName.get(v);
    if (defined.has(v)) return undefined; // defined but malformed: reported at the definition
    if (looksLikeArn(v)) {
      const checked = checkPrincipal(v, account, partition);
      if (checked.ok) return checked.arn;
      problem(checked.account ? 'spec-malformed-account' : 'spec-malformed-arn', item.span, checked.message);
      blockers.push(`${where}: ${checked.message}`);
      return undefined;
    }
    const names = [...defined];
    const suggestion = closest(v, names);
    problem(
      'spec-undefined-principal',
      item.span,
      `"${v}" is not defined under principals${suggestion ? `. Did you mean "${suggestion}"?` : names.length ? ` (defined: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}).` : '; add it there with its ARN, or write the ARN here.'}`,
      suggestion ? { replacement: suggestion } : { name: v },
    );
    blockers.push(`${where}: "${v}" is not defined under principals`);
    return undefined;
  };

  // access
  const caps = new Map<string, Set<Capability>>();
  for (const d of spec.principals) if (arnOfName.has(d.name)) caps.set(arnOfName.get(d.name)!, new Set());
  const used = new Set<string>();
  const heldBy = new Map<Capability, string[]>();
  for (const entry of spec.access) {
    const capability = (CAPABILITIES as readonly string[]).includes(entry.capability) ? (entry.capability as Capability) : undefined;
    if (!capability) {
      const suggestion = closest(entry.capability, CAPABILITIES);
      problem(
        'spec-unknown-capability',
        entry.keySpan,
        `"${entry.capability}" is not a capability. ${suggestion ? `Did you mean "${suggestion}"? ` : ''}The capabilities are ${CAPABILITIES.join(', ')}.`,
        suggestion ? { replacement: suggestion } : undefined,
      );
      blockers.push(`"${entry.capability}" is not a capability`);
    }
    for (const item of entry.principals) {
      used.add(item.value);
      const arn = entryArn(item, `access.${entry.capability}`);
      if (!arn || !capability) continue;
      if (!caps.has(arn)) caps.set(arn, new Set());
      caps.get(arn)!.add(capability);
      heldBy.set(capability, [...(heldBy.get(capability) ?? []), arn]);
    }
  }

  // grants
  const grants: string[] = [];
  for (const item of spec.grantsForAWSResources) {
    used.add(item.value);
    const arn = entryArn(item, 'grantsForAWSResources');
    if (!arn) continue;
    if (!grants.includes(arn)) grants.push(arn);
    if (!caps.has(arn)) caps.set(arn, new Set());
  }

  // Principals defined but holding nothing are left out of the policy (spec-unused-principal says so).
  const assignment = new Map<string, ReadonlySet<Capability>>();
  for (const [arn, set] of caps) if (set.size > 0 || grants.includes(arn)) assignment.set(arn, sortCaps(set));

  for (const d of spec.principals) {
    if (used.has(d.name) || (arnOfName.has(d.name) && [...used].some((u) => u === arnOfName.get(d.name)))) continue;
    problem('spec-unused-principal', d.nameSpan, `${d.name} is listed under no capability, so the generated policy gives it nothing. Add it under access, or remove it.`, { name: d.name });
  }

  // lockout
  const admins = heldBy.get('administer-resource') ?? [];
  const writtenAdmins = spec.access.filter((a) => a.capability === 'administer-resource').reduce((n, a) => n + a.principals.length, 0);
  if (admins.length === 0) blockers.push('no principal holds administer-resource (the key would be locked)');
  // Reported when none is written at all; a written one that does not resolve has its own finding.
  if (writtenAdmins === 0 && spec.root?.kind === 'object') {
    const adminEntry = spec.access.find((a) => a.capability === 'administer-resource');
    const span = adminEntry?.keySpan ?? spec.accessKey ?? spec.root.span;
    problem(
      'spec-no-administrator',
      spec.accessKey || adminEntry ? span : { start: span.start, end: span.start + 1 },
      'No principal holds administer-resource, so nobody could call kms:PutKeyPolicy under the generated policy: AWS refuses such a policy, and with its safety check bypassed nobody could ever change it again. List at least one administrator under administer-resource.',
    );
  }

  // separation of duties
  for (const entry of spec.access.filter((a) => a.capability === 'administer-resource')) {
    for (const item of entry.principals) {
      const arn = arnOfName.get(item.value) ?? (looksLikeArn(item.value) ? checkPrincipal(item.value, account, partition) : undefined);
      const a = typeof arn === 'string' ? arn : arn?.ok ? arn.arn : undefined;
      const held = a ? caps.get(a) : undefined;
      const data = (['read-data', 'write-data'] as Capability[]).filter((c) => held?.has(c));
      if (data.length === 0) continue;
      problem(
        'spec-separation-of-duties',
        item.span,
        `${item.value} both administers the key and holds ${data.join(' and ')}: one compromised credential could change the policy and read the data. Consider separate principals for administration and data access.`,
      );
    }
  }

  // services
  const services: string[] = [];
  const viaServices: string[] = [];
  const region = spec.region?.type === 'string' && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(spec.region.value) ? spec.region.value : undefined;
  for (const s of spec.services) {
    const v = s.value;
    if (isViaServiceValue(v)) {
      services.push(v);
      viaServices.push(v);
      continue;
    }
    if (!isServiceName(v)) {
      blockers.push(`"${v}" is not a service name`);
      continue; // the schema reports it
    }
    if (!findService(v)) {
      const suggestion = closest(v, VIA_SERVICES.map((x) => x.name));
      problem(
        'spec-unknown-service',
        s.span,
        `"${v}" is not a service we know to call KMS on a principal's behalf${suggestion ? `. Did you mean "${suggestion}"?` : '.'} It is used as written: kms:ViaService ${viaServiceValue(v, region, partition)}.`,
        suggestion ? { replacement: suggestion } : undefined,
      );
    }
    services.push(v);
    viaServices.push(viaServiceValue(v, region, partition));
  }

  if (style === 'delegate-to-iam' && !account) {
    const span = spec.key?.style?.span ?? spec.key?.keySpan ?? { start: 0, end: 0 };
    problem('spec-schema', span, 'The delegate-to-iam style needs "account": the account whose root the policy delegates to (add account: "111122223333").');
    blockers.push('delegate-to-iam needs account');
  }

  const domain = spec.domain?.type === 'string' ? spec.domain.value : '';
  if (!domain) blockers.push('the spec has no domain name');
  const resolved: ResolvedSpec = {
    domain,
    style,
    principalForm,
    partition,
    account,
    accountRoot: account ? accountRoot(account, partition) : undefined,
    assignment,
    arnOfName,
    nameOfArn,
    grants,
    services,
    viaServices,
    id: spec.key?.id?.type === 'string' && spec.key.id.value !== '' ? spec.key.id.value : undefined,
    policy: parsePolicyRef(spec.key?.policy),
    blockers,
  };
  return { resolved, problems };
}

function sortCaps(set: ReadonlySet<Capability>): ReadonlySet<Capability> {
  return new Set(CAPABILITIES.filter((c) => set.has(c)));
}

/** The name the spec gives an ARN, else a readable short name. */
export function displayName(resolved: ResolvedSpec, arn: string): string | undefined {
  return resolved.nameOfArn.get(arn);
}
