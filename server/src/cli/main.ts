/**
 * `kms-policy`: the same engine as the language server, for CI.
 *   kms-policy check [paths...] [--format text|json|sarif] [--fail-on error|warning|never] [--rule id=level]
 * Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or a file that could not be checked.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePolicy } from '../core/policy/parse';
import { isKeyPolicyName, looksLikeKeyPolicy } from '../core/policy/recognize';
import { findRule, runRules, type SeveritySetting } from '../core/rules/index';
import { readText, walk } from './files';
import { CAPABILITIES, type Capability } from '../core/catalog/catalog';
import { accountRootOf } from '../core/rewrite/account';
import { apply } from '../core/rewrite/edits';
import { rewriteEdits, STYLES, type Assignment, type Style } from '../core/rewrite/leastPrivilege';
import { quickFixes } from '../core/rewrite/quickFixes';
import type { PrincipalForm } from '../core/rewrite/statements';
import { suggestAssignment, toAssignment } from '../core/rewrite/suggest';
import { fileProblem, formatJson, formatSarif, formatText, toCliFindings, type FileReport } from './report';

const VERSION = '0.1.0';
const MAX_BYTES = 2 * 1024 * 1024;

const USAGE = `Usage:
  kms-policy check [paths...] [options]    check key policies (files, or directories searched for them)
  kms-policy fix <file> [options]          apply the safe quick fixes, or with --least-privilege rewrite the policy
  kms-policy generate ...                  (coming: key policy from a domain spec)

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
  --write                    write the result back to the file
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
  if (command === 'generate') {
    process.stderr.write(`kms-policy ${command}: not available in this version yet.\n`);
    return 2;
  }
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
    if (!findRule(m[1])) return usage(`--rule: no rule "${m[1]}" (see docs/rules.md)`);
    severities[m[1]] = m[2] as SeveritySetting;
  }
  const paths = parsed.positionals.length ? parsed.positionals : ['.'];

  const reports: FileReport[] = [];
  let unreadable = 0;
  const display = (p: string) => (isAbsolute(p) ? relative(process.cwd(), p) || p : p);
  const fail = (path: string, code: 'unreadable' | 'binary' | 'too-large' | 'not-utf8', message: string) => {
    unreadable++;
    process.stderr.write(`${display(path)}: ${message}\n`);
    reports.push({ file: display(path), findings: [fileProblem(code, message)] });
  };
  let checked = 0;
  for (const { path, named } of walk(paths, (p, m) => fail(p, 'unreadable', m))) {
    const byName = isKeyPolicyName(path);
    const read = readText(path, MAX_BYTES);
    if (!read.ok) {
      if (named || byName) fail(path, read.code, read.message);
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
    reports.push({ file: display(path), findings: toCliFindings(read.text, findings) });
  }

  const text =
    format === 'json' ? formatJson(reports) : format === 'sarif' ? formatSarif(reports, VERSION, ruleHelp) : formatText(reports.filter((r) => r.findings.some((f) => !FILE_CODES.has(f.code))));
  if (output) {
    writeFileSync(output, text);
  } else process.stdout.write(text);

  const all = reports.flatMap((r) => r.findings);
  const count = (s: string) => all.filter((f) => f.severity === s).length;
  process.stderr.write(`${checked} key polic${checked === 1 ? 'y' : 'ies'} checked: ${count('error')} errors, ${count('warning')} warnings, ${count('info')} infos${unreadable ? `, ${unreadable} files could not be checked` : ''}\n`);

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
        write: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    return usage((e as Error).message, 'fix');
  }
  const v = parsed.values;
  if (parsed.positionals.length !== 1) return usage('give exactly one key policy file', 'fix');
  if (!STYLES.includes(v.style as Style)) return usage(`--style must be ${STYLES.join(' or ')}`, 'fix');
  if (v['principal-form'] !== 'k9' && v['principal-form'] !== 'explicit') return usage('--principal-form must be k9 or explicit', 'fix');
  const file = parsed.positionals[0];
  const read = readText(file, MAX_BYTES);
  if (!read.ok) {
    process.stderr.write(`${file}: ${read.message}\n`);
    return 2;
  }
  const policy = parsePolicy(read.text);
  if (policy.fatal || policy.root?.type !== 'object') {
    process.stderr.write(`${file}: not a JSON key policy; run kms-policy check for details\n`);
    return 2;
  }
  let text: string;
  if (v['least-privilege']) {
    let assignment: Assignment;
    if (v.assign!.length) {
      const entries: [string, Set<Capability>][] = [];
      for (const a of v.assign!) {
        const m = /^(.+)=([a-z,-]*)$/.exec(a);
        const caps = m ? m[2].split(',').filter(Boolean) : [];
        const bad = caps.filter((c) => !CAPABILITIES.includes(c as Capability));
        if (!m || bad.length) return usage(`--assign takes <principal ARN>=<${CAPABILITIES.join('|')},...>, not "${a}"`, 'fix');
        entries.push([m[1], new Set(caps as Capability[])]);
      }
      assignment = new Map(entries);
    } else {
      const suggestions = suggestAssignment(policy);
      for (const s of suggestions) process.stderr.write(`${s.principal}: ${s.suggested.join(', ') || '(nothing)'}  (${s.reason})\n`);
      assignment = toAssignment(suggestions);
    }
    const accountRoot = accountRootOf(policy, [...assignment.keys()]);
    try {
      text = apply(read.text, rewriteEdits(policy, assignment, { style: v.style as Style, principalForm: v['principal-form'] as PrincipalForm, accountRoot }));
    } catch (e) {
      process.stderr.write(`${file}: ${(e as Error).message}\n`);
      return 1;
    }
  } else {
    text = applySafeFixes(read.text);
  }
  if (v.write) {
    if (text !== read.text) writeFileSync(file, text);
    process.stderr.write(text === read.text ? `${file}: nothing to change\n` : `${file}: written\n`);
  } else process.stdout.write(text);
  return 0;
}

/** Applies the preferred quick fix of every finding that has one, pass by pass, until nothing changes. */
function applySafeFixes(original: string): string {
  let text = original;
  for (let pass = 0; pass < 5; pass++) {
    const policy = parsePolicy(text);
    const edits = [];
    let lastEnd = Infinity;
    for (const f of runRules(policy).sort((a, b) => b.span.start - a.span.start)) {
      const preferred = quickFixes(policy, f).find((x) => x.preferred);
      if (!preferred) continue;
      const start = Math.min(...preferred.edits.map((e) => e.offset));
      const end = Math.max(...preferred.edits.map((e) => e.offset + e.length));
      if (end > lastEnd) continue; // overlaps a fix already taken this pass; the next pass gets it
      edits.push(...preferred.edits);
      lastEnd = start;
    }
    if (edits.length === 0) break;
    text = apply(text, edits);
  }
  return text;
}

let helpCache: Map<string, string> | undefined;
/** A rule's section of docs/rules.md, for SARIF help. */
function ruleHelp(id: string): string | undefined {
  if (!helpCache) {
    helpCache = new Map();
    let dir = __dirname;
    for (let i = 0; i < 6 && !existsSync(join(dir, 'docs', 'rules.md')); i++) dir = dirname(dir);
    const file = join(dir, 'docs', 'rules.md');
    if (existsSync(file)) {
      for (const section of readFileSync(file, 'utf8').split(/^## /m).slice(1)) {
        const nl = section.indexOf('\n');
        helpCache.set(section.slice(0, nl).trim(), section.slice(nl + 1).trim());
      }
    }
  }
  return helpCache.get(id);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
