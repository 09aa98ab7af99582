/**
 * `kms-policy`: the same engine as the language server, for CI.
 *   kms-policy check [paths...] [--format text|json|sarif] [--fail-on error|warning|never] [--rule id=level]
 * Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or a file that could not be checked.
 */
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePolicy } from '../core/policy/parse';
import { isKeyPolicyName, looksLikeKeyPolicy } from '../core/policy/recognize';
import { findRule, runRules, type SeveritySetting } from '../core/rules/index';
import { readText, walk } from './files';
import { analyzeIac, classify, isRelevantIac } from '../core/embed/index';
import { displayMessage, iacFindings, isIacRule, policyFindings } from '../core/embed/rules';
import { hostEdits } from '../core/embed/edits';
import type { PolicyDocument } from '../core/policy/model';
import type { Finding } from '../core/rules/types';
import { CAPABILITIES, type Capability } from '../core/catalog/catalog';
import { accountRootOf } from '../core/rewrite/account';
import { apply, type Edit } from '../core/rewrite/edits';
import { leastPrivilegeRewrite, LockoutError, RootOnlyError, STYLES, type Assignment, type Style } from '../core/rewrite/leastPrivilege';
import { quickFixes } from '../core/rewrite/quickFixes';
import type { PrincipalForm } from '../core/rewrite/statements';
import { suggestAssignment, toAssignment } from '../core/rewrite/suggest';
import { fileProblem, reportWriter, toCliFindings, type CliFinding, type ExtraRule, type FileReport, type ReportFormat } from './report';
import { resolve as resolvePath } from 'node:path';
import { checkSpec, type PolicyLookup } from '../core/domain/check';
import { driftFindings, type GoverningSpec } from '../core/domain/drift';
import { generateFromSpec } from '../core/domain/generate';
import { isDomainSpecName, specFormatOf } from '../core/domain/model';
import { parseSpec } from '../core/domain/parse';
import { DOMAIN_RULES, findDomainRule, settle } from '../core/domain/rules';
import { DomainIndex } from '../core/domain/workspace';
import { specValidator } from '../service/domainSchema';

const VERSION = '0.1.0';
const MAX_BYTES = 2 * 1024 * 1024;

const USAGE = `Usage:
  kms-policy check [paths...] [options]    check key policies: policy files, and the policies in CloudFormation
                                           templates and Terraform files (or directories searched for them)
  kms-policy fix <file> [options]          apply the safe quick fixes, or with --least-privilege rewrite the policy;
                                           in a template or Terraform file, every key policy in it, in its syntax
  kms-policy generate <spec> [options]     print the key policy a domain spec (*.kms-domain.yaml) generates

  check also reads domain specs (*.kms-domain.{yaml,yml,json}) in the paths: their own problems,
  and drift between each spec and the key policy it governs.

Options for check:
  --format text|json|sarif   output format (default text)
  --fail-on error|warning|never
                             exit 1 when a finding is at least this severe (default error)
  --rule <id>=<level>        set a rule to off, info, warning or error (repeatable)
  --output <file>            write the report to a file instead of stdout

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on;
            2 usage error, or a file that could not be read or checked.

Options for fix (prints the fixed policy; --write changes the file instead):
  --least-privilege          rewrite to one statement per capability
  --style key-policy-only|delegate-to-iam   (default key-policy-only)
  --principal-form k9|explicit              (default k9)
  --assign <principal ARN>=<cap,cap...>     who gets what (repeatable); without it, the
                             suggestion from what each principal holds and its name is used
  --drop-service <sid|service>              drop a kept path by and through AWS services (a statement
                             for a service principal, "*" limited to services, a kms:ViaService path,
                             grants for AWS resources), by its Sid or service (repeatable); they are
                             kept as written otherwise
                             The summary of what each principal and path keeps and loses goes to stderr.
  --resource <name>          in a template or Terraform file, only the key policy of this resource
                             (a logical id, or aws_kms_key.name); needed with --assign when there are several
  --write                    write the result back to the file

Options for generate (prints the policy; exit 1 when the spec has errors):
  --write                    write it to the spec's key.policy (relative to the spec's folder)
  --check                    exit 1 when that file is missing or differs from what the spec generates
`;

export function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    process.stdout.write(`kms-policy ${VERSION}\n`);
    return 0;
  }
  if (command === 'check') return check(rest);
  if (command === 'fix') return fix(rest);
  if (command === 'generate') return generate(rest);
  process.stderr.write(`kms-policy: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

function check(args: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        'fail-on': { type: 'string', default: 'error' },
        rule: { type: 'string', multiple: true, default: [] },
        output: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`kms-policy check: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { format, 'fail-on': failOn, rule, output } = parsed.values;
  if (!['text', 'json', 'sarif'].includes(format!)) return usage(`--format must be text, json or sarif, not "${format}"`);
  if (!['error', 'warning', 'never'].includes(failOn!)) return usage(`--fail-on must be error, warning or never, not "${failOn}"`);
  const severities: Record<string, SeveritySetting> = {};
  for (const r of rule ?? []) {
    const m = /^([a-z0-9-]+)=(off|info|warning|error)$/.exec(r);
    if (!m) return usage(`--rule takes <id>=<off|info|warning|error>, not "${r}"`);
    if (!findRule(m[1]) && !isIacRule(m[1]) && !findDomainRule(m[1])) return usage(`--rule: no rule "${m[1]}" (see docs/rules.md and docs/domain-spec.md)`);
    severities[m[1]] = m[2] as SeveritySetting;
  }
  const paths = parsed.positionals.length ? parsed.positionals : ['.'];

  // Reports go out file by file, so memory stays flat however many files there are. Domain specs
  // are checked first: their drift findings wait for the policy they are about and are merged
  // into its report when the walk reaches it.
  const sink = output ? openSync(output, 'w') : undefined;
  const write = (text: string) => (sink !== undefined ? writeSync(sink, text) : process.stdout.write(text));
  const writer = reportWriter(format as ReportFormat, write, { toolVersion: VERSION, ruleHelp, extraRules: domainRules() });
  const tally = { error: 0, warning: 0, info: 0 };
  const add = (r: FileReport) => {
    for (const f of r.findings) tally[f.severity]++;
    // File problems are on stderr already; the text report lists findings only.
    if (format !== 'text' || r.findings.some((f) => !FILE_CODES.has(f.code))) writer.add(r);
  };
  let unreadable = 0;
  const display = (p: string) => (isAbsolute(p) ? relative(process.cwd(), p) || p : p);
  const fail = (path: string, code: 'unreadable' | 'binary' | 'too-large' | 'not-utf8', message: string) => {
    unreadable++;
    process.stderr.write(`${display(path)}: ${message}\n`);
    add({ file: display(path), findings: [fileProblem(code, message)] });
  };
  const isSpec = (path: string, named: boolean) => isDomainSpecName(path) || (named && /\.kms-domain\./i.test(path));

  // The same walk as the policies' below, which reports what cannot be read.
  const specFiles = new Map<string, string>();
  for (const { path, named } of walk(paths, () => {})) if (isSpec(path, named) && !specFiles.has(resolvePath(path))) specFiles.set(resolvePath(path), path);
  const domain = checkDomainSpecs([...specFiles.values()], { severities, display, fail });
  const withDrift = (r: FileReport): FileReport => {
    const drift = domain.drift.get(r.file);
    if (!drift) return r;
    domain.drift.delete(r.file);
    return { file: r.file, findings: [...r.findings, ...drift].sort((a, b) => a.line - b.line || a.column - b.column) };
  };

  let checked = 0;
  for (const { path, named } of walk(paths, (p, m) => fail(p, 'unreadable', m))) {
    if (isSpec(path, named)) continue; // checked above, with the policies they govern
    const byName = isKeyPolicyName(path);
    const read = readText(path, MAX_BYTES);
    if (!read.ok) {
      if (named || byName) fail(path, read.code, read.message);
      continue;
    }
    const iacKind = classify(path, read.text);
    if (iacKind) {
      // A CloudFormation template or a Terraform file: every key policy in it, at its lines.
      const iac = analyzeIac(read.text, iacKind);
      if (!isRelevantIac(iac, read.text)) {
        if (named) process.stderr.write(`${display(path)}: no KMS key policy found in this ${iacKind === 'terraform' ? 'Terraform file' : 'template'}; skipped\n`);
        continue;
      }
      checked += iac.policies.length;
      add(withDrift({ file: display(path), findings: toCliFindings(read.text, iacFindings(iac, { severities })) }));
      continue;
    }
    const policy = parsePolicy(read.text);
    const byContent = looksLikeKeyPolicy(policy);
    const invalidJson = policy.syntaxErrors.length > 0 || policy.fatal !== undefined || policy.root?.type !== 'object';
    if (!byName && !byContent && !(named && invalidJson)) {
      if (named) process.stderr.write(`${display(path)}: not a KMS key policy (no Statement with kms: actions); skipped\n`);
      continue;
    }
    checked++;
    const findings = runRules(policy, { severities });
    add(withDrift({ file: display(path), findings: toCliFindings(read.text, findings) }));
  }
  for (const r of domain.specs) add(r);
  for (const [file, findings] of domain.drift) add({ file, findings }); // policies outside the paths checked
  writer.end();
  if (sink !== undefined) closeSync(sink);

  const count = (s: 'error' | 'warning' | 'info') => tally[s];
  const specCount = domain.specs.length;
  const specsChecked = specCount ? ` and ${specCount} domain spec${specCount === 1 ? '' : 's'}` : '';
  process.stderr.write(`${checked} key polic${checked === 1 ? 'y' : 'ies'}${specsChecked} checked: ${count('error')} errors, ${count('warning')} warnings, ${count('info')} infos${unreadable ? `, ${unreadable} files could not be checked` : ''}\n`);

  if (unreadable > 0) return 2;
  const threshold = failOn === 'never' ? 0 : failOn === 'warning' ? count('error') + count('warning') : count('error');
  return threshold > 0 ? 1 : 0;
}

const FILE_CODES = new Set(['unreadable', 'binary', 'too-large', 'not-utf8']);

function usage(message: string, command = 'check'): number {
  process.stderr.write(`kms-policy ${command}: ${message}\n`);
  return 2;
}

function fix(args: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        'least-privilege': { type: 'boolean', default: false },
        style: { type: 'string', default: 'key-policy-only' },
        'principal-form': { type: 'string', default: 'k9' },
        assign: { type: 'string', multiple: true, default: [] },
        'drop-service': { type: 'string', multiple: true, default: [] },
        resource: { type: 'string' },
        write: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    return usage((e as Error).message, 'fix');
  }
  const v = parsed.values;
  if (parsed.positionals.length !== 1) return usage('give exactly one key policy file, CloudFormation template or Terraform file', 'fix');
  if (!STYLES.includes(v.style as Style)) return usage(`--style must be ${STYLES.join(' or ')}`, 'fix');
  if (v['principal-form'] !== 'k9' && v['principal-form'] !== 'explicit') return usage('--principal-form must be k9 or explicit', 'fix');
  let assigned: Assignment | undefined;
  if (v.assign!.length) {
    const entries: [string, Set<Capability>][] = [];
    for (const a of v.assign!) {
      const m = /^(.+)=([a-z,-]*)$/.exec(a);
      const caps = m ? m[2].split(',').filter(Boolean) : [];
      const bad = caps.filter((c) => !CAPABILITIES.includes(c as Capability));
      if (!m || bad.length) return usage(`--assign takes <principal ARN>=<${CAPABILITIES.join('|')},...>, not "${a}"`, 'fix');
      entries.push([m[1], new Set(caps as Capability[])]);
    }
    assigned = new Map(entries);
  }
  const file = parsed.positionals[0];
  const read = readText(file, MAX_BYTES);
  if (!read.ok) {
    process.stderr.write(`${file}: ${read.message}\n`);
    return 2;
  }

  // The rewrite of one policy (a policy file, or one in a template, edited in its host's syntax).
  const options = { style: v.style as Style, principalForm: v['principal-form'] as PrincipalForm, dropServices: v['drop-service'] ?? [] };
  const leastPrivilege = (policy: PolicyDocument, label: string, show = (s: string) => s): Edit[] => {
    let assignment = assigned;
    if (!assignment) {
      const suggestions = suggestAssignment(policy);
      if (suggestions.length === 0) throw new NoPrincipalError(policy, show);
      for (const s of suggestions) process.stderr.write(show(`${label}${s.principal}: ${s.suggested.join(', ') || '(nothing)'}  (${s.reason})`) + '\n');
      assignment = toAssignment(suggestions);
    }
    const result = leastPrivilegeRewrite(policy, assignment, { ...options, accountRoot: accountRootOf(policy, [...assignment.keys()]) });
    if (result.plan.unmatchedDrops.length) throw new UsageError(`--drop-service ${result.plan.unmatchedDrops.join(', ')}: no kept path by that Sid or service${result.plan.kept.length + result.plan.dropped.length ? ` (kept: ${[...result.plan.kept, ...result.plan.dropped].map((k) => k.sid ?? k.services.join(', ') ?? k.label).join('; ')})` : ''}`);
    for (const line of result.summary.lines) process.stderr.write(show(`${label}${line}`) + '\n');
    return result.edits;
  };

  let text: string;
  const iacKind = classify(file, read.text);
  try {
    if (iacKind) {
      // Every key policy in the template (or the one --resource names), edited in the host's syntax.
      const found = analyzeIac(read.text, iacKind).policies;
      const names = found.map((p) => p.embedded!.resource);
      if (found.length === 0) {
        process.stderr.write(`${file}: no KMS key policy found in this ${iacKind === 'terraform' ? 'Terraform file' : 'template'}\n`);
        return 2;
      }
      if (v.resource !== undefined && !names.includes(v.resource)) return usage(`${file} has no key policy in a resource named "${v.resource}" (found: ${names.join(', ')})`, 'fix');
      const selected = (p: PolicyDocument) => v.resource === undefined || p.embedded!.resource === v.resource;
      if (assigned && found.filter(selected).length > 1) return usage(`--assign applies to one key policy; name it with --resource (found: ${names.join(', ')})`, 'fix');
      if (v['least-privilege']) {
        const targets = found.filter(selected);
        // The rewrite edits the host itself, so kept statements stay exactly as written (intrinsics, ${var.x}).
        text = apply(read.text, targets.flatMap((p) => leastPrivilege(p, targets.length > 1 ? `${p.embedded!.resource}: ` : '', (s) => displayMessage(p, s))));
      } else {
        // The first pass reads the analysis above; later ones, the text the passes before wrote.
        const policiesOf = (current: string) => (current === read.text ? found : analyzeIac(current, iacKind).policies);
        text = fixInPasses(read.text, (current) => policiesOf(current).filter(selected).flatMap((p) => hostEdits(p, (json) => safeFixEdits(json, policyFindings(json)))));
      }
    } else {
      if (v.resource !== undefined) return usage('--resource names a key in a CloudFormation template or a Terraform file', 'fix');
      const policy = parsePolicy(read.text);
      if (policy.fatal || policy.root?.type !== 'object') {
        process.stderr.write(`${file}: not a JSON key policy; run kms-policy check for details\n`);
        return 2;
      }
      text = v['least-privilege'] ? apply(read.text, leastPrivilege(policy, '')) : fixInPasses(read.text, (current) => {
        const p = current === read.text ? policy : parsePolicy(current);
        return safeFixEdits(p, runRules(p));
      });
    }
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message, 'fix');
    if (!(e instanceof LockoutError || e instanceof RootOnlyError || e instanceof NoPrincipalError)) throw e;
    process.stderr.write(`${file}: ${e.message}\n`);
    return 1;
  }
  if (v.write) {
    if (text !== read.text) writeFileSync(file, text);
    process.stderr.write(text === read.text ? `${file}: nothing to change\n` : `${file}: written\n`);
  } else process.stdout.write(text);
  return 0;
}

class UsageError extends Error {}

/**
 * An AWS-default policy (no role or user besides the account root): nothing to suggest an
 * assignment from, so the refusal names the way forward.
 */
class NoPrincipalError extends Error {
  constructor(policy: PolicyDocument, show: (s: string) => string) {
    const root = accountRootOf(policy);
    const account = root ? /::(\d{12}):root$/.exec(root)?.[1] : undefined;
    const role = `arn:aws:iam::${account && account !== '000000000000' ? account : '<account>'}:role/<name>`;
    super(
      show(
        `no role or user to give the key to: this policy names only the account root (and AWS services), so the rewrite cannot suggest who administers and uses the key. ` +
          `Name them: --assign ${role}=administer-resource,read-config (and, for example, --assign <app role ARN>=read-data,write-data).`,
      ),
    );
  }
}

/** Applies `pass` (edits computed on the current text) until nothing changes, at most 5 times: a fix can reveal the next. */
function fixInPasses(original: string, pass: (text: string) => Edit[]): string {
  let text = original;
  for (let i = 0; i < 5; i++) {
    const edits = pass(text);
    if (edits.length === 0) break;
    text = apply(text, edits);
  }
  return text;
}

/** One pass of the preferred (safe) quick fixes of `findings`, without overlaps; the last finding's first. */
function safeFixEdits(policy: PolicyDocument, findings: readonly Finding[]): Edit[] {
  const edits: Edit[] = [];
  let lastEnd = Infinity;
  for (const f of [...findings].sort((a, b) => b.span.start - a.span.start)) {
    const preferred = quickFixes(policy, f).find((x) => x.preferred);
    if (!preferred || preferred.edits.length === 0) continue;
    const start = Math.min(...preferred.edits.map((e) => e.offset));
    const end = Math.max(...preferred.edits.map((e) => e.offset + e.length));
    if (end > lastEnd) continue; // overlaps a fix already taken this pass; the next pass gets it
    edits.push(...preferred.edits);
    lastEnd = start;
  }
  return edits;
}

// ---- domain specs: generate, and the drift pass of check ---------------------------------------

interface DomainPass {
  readonly severities: Record<string, SeveritySetting>;
  readonly display: (path: string) => string;
  readonly fail: (path: string, code: 'unreadable' | 'binary' | 'too-large' | 'not-utf8', message: string) => void;
}

interface PolicyFile {
  readonly lookup: PolicyLookup;
  /** The text spans refer to (the IaC file's for a policy inside one). */
  readonly text?: string;
}

/** The key policy a spec governs, read from disk: a JSON policy, or `file#resource` in an IaC file. */
function readGoverned(path: string, resource: string | undefined): PolicyFile {
  if (!existsSync(path)) return { lookup: { state: 'missing' } };
  const read = readText(path, MAX_BYTES);
  if (!read.ok) return { lookup: { state: 'unreadable', message: read.message } };
  if (resource !== undefined) {
    const kind = classify(path, read.text);
    if (!kind) return { lookup: { state: 'unreadable', message: 'it is not a CloudFormation template or a Terraform file.' } };
    const policy = analyzeIac(read.text, kind).policies.find((p) => p.embedded?.resource === resource);
    return policy ? { lookup: { state: 'found', policy }, text: read.text } : { lookup: { state: 'unreadable', message: `it has no key policy for the resource "${resource}".` } };
  }
  const policy = parsePolicy(read.text);
  if (policy.fatal || policy.root?.type !== 'object') return { lookup: { state: 'unreadable', message: 'it is not a JSON key policy (run kms-policy check on it for details).' } };
  return { lookup: { state: 'found', policy }, text: read.text };
}

/**
 * Checks every spec (its own findings go on the spec file) and the drift of every policy a spec
 * governs (findings on the policy file, merged into its report when it was checked too).
 * Returns the number of specs checked.
 */
/** The specs' own reports (in path order), and drift findings by the display path of the policy file they are about. */
function checkDomainSpecs(specPaths: readonly string[], o: DomainPass): { specs: FileReport[]; drift: Map<string, CliFinding[]> } {
  const reports: FileReport[] = [];
  const drift = new Map<string, CliFinding[]>();
  const index = new DomainIndex();
  const shown = new Map<string, string>();
  for (const p of [...specPaths].sort()) {
    const read = readText(p, MAX_BYTES);
    if (!read.ok) {
      o.fail(p, read.code, read.message);
      continue;
    }
    const abs = resolvePath(p);
    index.setSpec(abs, read.text, specFormatOf(p));
    shown.set(abs, o.display(p));
  }
  const governed = new Map<string, PolicyFile>();
  const policyKey = (uri: string, resource: string | undefined) => `${uri}#${resource ?? ''}`;
  const policyOf = (uri: string, resource: string | undefined) => {
    const key = policyKey(uri, resource);
    let f = governed.get(key);
    if (!f) governed.set(key, (f = readGoverned(uri, resource)));
    return f;
  };
  const specs = index.allSpecs();
  for (const s of specs) {
    const lookup: PolicyLookup = s.policyUri ? policyOf(s.policyUri, s.policyResource).lookup : { state: 'unknown' };
    const findings = checkSpec(s.spec, {
      validate: specValidator(),
      policy: lookup,
      sameDomain: index.sameDomain(s.uri).map((x) => shown.get(x.uri) ?? x.uri),
      samePolicy: index.samePolicy(s.uri).map((x) => shown.get(x.uri) ?? x.uri),
      severities: o.severities,
    });
    reports.push({ file: shown.get(s.uri) ?? s.uri, findings: toCliFindings(s.spec.text, findings) });
  }
  const byPolicy = new Map<string, GoverningSpec[]>();
  for (const s of specs) {
    if (!s.policyUri) continue;
    const key = policyKey(s.policyUri, s.policyResource);
    byPolicy.set(key, [...(byPolicy.get(key) ?? []), { uri: s.uri, spec: s.spec }]);
  }
  for (const [key, governing] of byPolicy) {
    const f = governed.get(key);
    if (!f || f.lookup.state !== 'found' || f.text === undefined) continue;
    const found = settle(driftFindings(f.lookup.policy, governing), o.severities);
    if (found.length === 0) continue;
    const file = o.display(key.slice(0, key.lastIndexOf('#')));
    drift.set(file, [...(drift.get(file) ?? []), ...toCliFindings(f.text, found)]);
  }
  return { specs: reports, drift };
}

/** The spec and drift rules, listed in SARIF after the policy rules. */
function domainRules(): ExtraRule[] {
  return DOMAIN_RULES.map((r) => ({ id: r.id, summary: r.summary, level: r.defaultSeverity, tags: ['security', 'aws-kms', 'domain-spec'] }));
}

/**
 * kms-policy generate <spec> [--write] [--check]: prints the policy the spec generates; --write
 * writes it to key.policy (relative to the spec's folder); --check exits 1 when that file is
 * missing or differs from what the spec generates (for CI).
 */
function generate(args: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { write: { type: 'boolean', default: false }, check: { type: 'boolean', default: false } } });
  } catch (e) {
    return usage((e as Error).message, 'generate');
  }
  if (parsed.positionals.length !== 1) return usage('give exactly one domain spec file (*.kms-domain.yaml)', 'generate');
  if (parsed.values.write && parsed.values.check) return usage('--write and --check do not go together', 'generate');
  const file = parsed.positionals[0];
  const read = readText(file, MAX_BYTES);
  if (!read.ok) {
    process.stderr.write(`${file}: ${read.message}\n`);
    return 2;
  }
  const spec = parseSpec(read.text, specFormatOf(file));
  const errors = checkSpec(spec, { validate: specValidator() }).filter((f) => f.severity === 'error');
  if (errors.length) {
    for (const f of toCliFindings(read.text, errors)) process.stderr.write(`${file}:${f.line}:${f.column} ${f.severity} ${f.code} ${f.message}\n`);
    process.stderr.write(`${file}: not generated: fix the errors above first\n`);
    return 1;
  }
  const g = generateFromSpec(spec);
  if (!g.ok) {
    process.stderr.write(`${file}: ${g.error}\n`);
    return 1;
  }
  if (!parsed.values.write && !parsed.values.check) {
    process.stdout.write(g.text);
    return 0;
  }
  const ref = g.resolved.policy;
  if (!ref?.path) return usage(`${file} has no key.policy to write to`, 'generate');
  if (ref.resource !== undefined) return usage(`${ref.path}#${ref.resource} is a key policy inside an IaC file; generate writes plain JSON key policy files only`, 'generate');
  const target = resolvePath(dirname(file), ref.path);
  const shown = relative(process.cwd(), target) || target;
  const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  if (parsed.values.check) {
    if (current === g.text) {
      process.stderr.write(`${shown}: up to date with ${file}\n`);
      return 0;
    }
    process.stderr.write(`${shown}: ${current === undefined ? 'missing' : 'out of date'}; run kms-policy generate --write ${file}\n`);
    return 1;
  }
  if (current === g.text) {
    process.stderr.write(`${shown}: unchanged\n`);
    return 0;
  }
  writeFileSync(target, g.text);
  process.stderr.write(`${shown}: written\n`);
  return 0;
}

/** A rule's section of docs/rules.md or docs/domain-spec.md, for SARIF help (read only for SARIF). */
function ruleHelp(id: string): string | undefined {
  return docsSections('rules.md').get(id) ?? docsSections('domain-spec.md').get(id);
}

const sectionsCache = new Map<string, Map<string, string>>();
/** The `## id` sections of a page in docs/ (found next to the bundle or the checkout), read once. */
function docsSections(page: string): Map<string, string> {
  let sections = sectionsCache.get(page);
  if (!sections) {
    sections = new Map();
    sectionsCache.set(page, sections);
    let dir = __dirname;
    for (let i = 0; i < 6 && !existsSync(join(dir, 'docs', page)); i++) dir = dirname(dir);
    const file = join(dir, 'docs', page);
    if (existsSync(file)) {
      for (const section of readFileSync(file, 'utf8').split(/^## /m).slice(1)) {
        const nl = section.indexOf('\n');
        sections.set(section.slice(0, nl).trim(), section.slice(nl + 1).trim());
      }
    }
  }
  return sections;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
