/**
 * `kms-policy`: the same engine as the language server, for CI.
 *   kms-policy check [paths...] [--format text|json|sarif] [--fail-on error|warning|never] [--rule id=level]
 *                    [--no-new-access --base <git-ref>]
 *   kms-policy diff <old> <new> | --base <git-ref> [paths...]; kms-policy explain <file> (cli/diff.ts)
 * Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or a file that could not be
 * checked, 141 stdout closed before the report was written (`| head`).
 *
 * `check` drives the same Workspace as the server over the files it walks; `fix` and `generate`
 * are service/batch.ts. Here: arguments, reading and writing files (through the node layer), output.
 */
import { dirname, relative, isAbsolute, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { docsSection, listTerraform, outputSink, readFile, readTextFile, writeTextFile } from '../node/files';
import { readText, walk } from '../node/walk';
import { fixText, generateFromSpecText, isRuleId, parseAssignments, STYLES, type Style, type PrincipalForm } from '../service/batch';
import { CurrentDocument, Workspace } from '../service/workspace';
import { isPartial, newAccess, newAccessFindings } from '../service/accessDiff';
import type { Finding } from '../service/workspace';
import { BaseRevision, compareWithBase, diffCommand, DIFF_USAGE, explainCommand, EXPLAIN_USAGE, openBase } from './diff';
import { fileProblem, reportWriter, toCliFindings, type FileReport, type ReportFormat } from './report';

const VERSION = '0.1.0';
const MAX_BYTES = 2 * 1024 * 1024;

const CHECK_USAGE = `Usage: kms-policy check [paths...] [options]

Checks key policies: policy files, and the policies in CloudFormation templates and Terraform
files (or directories searched for them, "." by default). Also reads domain specs
(*.kms-domain.{yaml,yml,json}) in the paths: their own problems, and drift between each spec and
the key policy it governs.

Options:
  --format text|json|sarif   output format (default text)
  --fail-on error|warning|never
                             exit 1 when a finding is at least this severe (default error)
  --rule <id>=<level>        set a rule to off, info, warning or error (repeatable)
  --output <file>            write the report to a file instead of stdout
  --no-new-access            also compare each key policy with the --base revision: access it grants
                             now and did not then (and no governing domain spec grants) is a
                             new-access finding, at the statement that grants it
  --base <git-ref>           the revision --no-new-access compares with (a commit, branch or tag)
  -h, --help                 show this help

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on, or with
            --no-new-access any new access; 2 usage error, a file that could not be read or
            checked, or a revision git does not know.
`;

const FIX_USAGE = `Usage: kms-policy fix <file> [options]

Applies the safe quick fixes, or with --least-privilege rewrites the policy; in a template or
Terraform file, every key policy in it, in its syntax. Prints the result; --write changes the file.

Options:
  --least-privilege          rewrite to one statement per capability
  --style key-policy-only|delegate-to-iam   (default key-policy-only)
  --principal-form k9|explicit              (default k9)
  --assign <principal ARN>=<cap,cap...>     who gets what (repeatable); without it, the
                             suggestion from what each principal holds and its name is used
  --resource <name>          in a template or Terraform file, only the key policy of this resource
                             (a logical id, or aws_kms_key.name); needed with --assign when there are several
  --drop-service <sid|service>              drop a kept path by and through AWS services (a statement
                             for a service principal, "*" limited to services, a kms:ViaService path,
                             grants for AWS resources), by its Sid or service (repeatable); they are
                             kept as written otherwise
  --write                    write the result back to the file
  -h, --help                 show this help

The summary of what each principal and path keeps and loses goes to stderr.
`;

const GENERATE_USAGE = `Usage: kms-policy generate <spec> [options]

Prints the key policy a domain spec (*.kms-domain.yaml) generates; exits 1 when the spec has errors.

Options:
  --write                    write it to the spec's key.policy (relative to the spec's folder)
  --check                    exit 1 when that file is missing or differs from what the spec generates
  -h, --help                 show this help
`;

const USAGE = `Usage:
  kms-policy check [paths...] [options]    check key policies: policy files, and the policies in CloudFormation
                                           templates and Terraform files (or directories searched for them)
  kms-policy fix <file> [options]          apply the safe quick fixes, or with --least-privilege rewrite the policy;
                                           in a template or Terraform file, every key policy in it, in its syntax
  kms-policy generate <spec> [options]     print the key policy a domain spec (*.kms-domain.yaml) generates
  kms-policy diff <old> <new> [options]    who gains or loses access between two versions of key policies;
  kms-policy diff --base <ref> [paths...]  or between the files in the paths and a git revision
  kms-policy explain <file> [options]      the effective access of each key policy in a file, as a table
  kms-policy <command> --help              the options of a command
  kms-policy --version                     the version

${CHECK_USAGE}
${FIX_USAGE}
${GENERATE_USAGE}
${DIFF_USAGE}
${EXPLAIN_USAGE}`;

const COMMAND_USAGE: Record<string, string> = { check: CHECK_USAGE, fix: FIX_USAGE, generate: GENERATE_USAGE, diff: DIFF_USAGE, explain: EXPLAIN_USAGE };

/** `-h` or `--help` among a command's options (not after `--`, where only paths follow). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Thrown when stdout is closed under us (`kms-policy check | head`): the checking stops and the CLI
 * exits quietly with 141, what a shell reports for a Unix tool ended by SIGPIPE. Node ignores
 * SIGPIPE; a write to a closed pipe fails with EPIPE, synchronously for pipes on Linux.
 */
class ClosedOutput extends Error {}
const EXIT_CLOSED_OUTPUT = 141;

/** Writes to stdout, and stops the command when the reader has gone. */
function out(text: string): void {
  process.stdout.write(text);
  if (process.stdout.errored) throw new ClosedOutput();
}

/** An EPIPE that surfaces as an event (a pipe written asynchronously) is not a crash either. */
function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') throw e;
  process.exit(EXIT_CLOSED_OUTPUT);
}

/**
 * While stdout holds more than its buffer (its reader is slower than the check: a pipe to another
 * process), a promise of its drain: the check waits, so the report's memory stays bounded.
 */
function drained(): Promise<void> | undefined {
  return process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once('drain', resolve)) : undefined;
}

export async function main(argv: readonly string[]): Promise<number> {
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof ClosedOutput) return EXIT_CLOSED_OUTPUT;
    throw e;
  }
}

function run(argv: readonly string[]): number | Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    // `kms-policy help fix` is `kms-policy fix --help`.
    out((command === 'help' && COMMAND_USAGE[rest[0]]) || USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    out(`kms-policy ${VERSION}\n`);
    return 0;
  }
  if (COMMAND_USAGE[command] && asksForHelp(rest)) {
    out(COMMAND_USAGE[command]);
    return 0;
  }
  if (command === 'check') return check(rest);
  if (command === 'fix') return fix(rest);
  if (command === 'generate') return generate(rest);
  if (command === 'diff') return diffCommand(rest, { out, usage, drained });
  if (command === 'explain') return explainCommand(rest, { out, usage, drained });
  process.stderr.write(`kms-policy: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function check(args: readonly string[]): Promise<number> {
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
        'no-new-access': { type: 'boolean', default: false },
        base: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`kms-policy check: ${(e as Error).message}\n\n${CHECK_USAGE}`);
    return 2;
  }
  const { format, 'fail-on': failOn, rule, output, 'no-new-access': noNewAccess, base } = parsed.values;
  if (!['text', 'json', 'sarif'].includes(format!)) return usage(`--format must be text, json or sarif, not "${format}"`);
  if (!['error', 'warning', 'never'].includes(failOn!)) return usage(`--fail-on must be error, warning or never, not "${failOn}"`);
  const severities: Record<string, 'off' | 'info' | 'warning' | 'error'> = {};
  for (const r of rule ?? []) {
    const m = /^([a-z0-9-]+)=(off|info|warning|error)$/.exec(r);
    if (!m) return usage(`--rule takes <id>=<off|info|warning|error>, not "${r}"`);
    if (!isRuleId(m[1])) return usage(`--rule: no rule "${m[1]}" (see docs/rules.md and docs/domain-spec.md)`);
    severities[m[1]] = m[2] as 'off' | 'info' | 'warning' | 'error';
  }
  const paths = parsed.positionals.length ? parsed.positionals : ['.'];
  if (noNewAccess && base === undefined) return usage('--no-new-access needs --base <git-ref>, the revision to compare with');
  if (!noNewAccess && base !== undefined) return usage('--base goes with --no-new-access');
  let baseRevision: BaseRevision | undefined;
  if (base !== undefined) {
    const opened = openBase(base, paths);
    if ('error' in opened) return usage(opened.error);
    baseRevision = opened;
  }

  // Reports go out file by file, so memory stays flat however many files there are. Domain specs
  // are indexed first (by their links alone: the Workspace parses a spec again when a policy it
  // governs is checked), so that each policy's report carries its drift from the specs that govern it.
  const sink = output === undefined ? { write: out, close: () => {} } : outputSink(output);
  const writer = reportWriter(format as ReportFormat, sink.write, { toolVersion: VERSION, ruleHelp });
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
  const isSpec = (path: string, named: boolean) => SPEC_NAME.test(path) || (named && Workspace.SPEC_NAME_LOOSE.test(path));
  const uriOf = (path: string) => pathToFileURL(resolvePath(path)).href;

  // The Workspace sees one document at a time: the file being checked.
  const current = new CurrentDocument();
  const workspace = new Workspace({
    documents: current,
    files: { readFile, findFiles: () => [], listTerraform },
    indexPolicies: false,
    displayUri: (uri) => display(fileURLToPath(uri)),
  });
  workspace.configure({ rules: severities, maxFileSize: MAX_BYTES });
  const checkText = (path: string, text: string, named: boolean) => {
    const uri = current.set(uriOf(path), text);
    try {
      return workspace.check(uri, named);
    } finally {
      workspace.forget(uri);
      current.clear();
    }
  };
  // --no-new-access: each widening since the base, less what the governing specs grant.
  let newAccessCount = 0;
  const newAccessOf = (path: string, text: string, named: boolean): Finding[] => {
    if (!baseRevision) return [];
    const found: Finding[] = [];
    compareWithBase(baseRevision, workspace, current, path, text, named, (uri, keys) => {
      for (const k of keys) {
        if (k.after && isPartial(k.diff)) process.stderr.write(`${display(path)}: ${k.key} is only partly known (${[...new Set([...k.diff.unknown.before, ...k.diff.unknown.after])].join('; ')}); new access is looked for in the known part only\n`);
        found.push(...newAccessFindings(k, newAccess(k, k.after ? workspace.governingSpecs(uri, k.after) : []), base!, severities));
      }
    });
    newAccessCount += found.length;
    return found;
  };

  // The same walk as the policies' below, which reports what cannot be read.
  const specFiles = new Map<string, string>();
  for (const { path, named } of walk(paths, () => {})) if (isSpec(path, named) && !specFiles.has(resolvePath(path))) specFiles.set(resolvePath(path), path);
  const specs: string[] = [];
  for (const p of [...specFiles.values()].sort()) {
    const read = readText(p, MAX_BYTES);
    if (!read.ok) {
      fail(p, read.code, read.message);
      continue;
    }
    specs.push(p);
    workspace.changed(current.set(uriOf(p), read.text));
    current.clear();
  }

  let checked = 0;
  const visited = new Set<string>();
  for (const { path, named } of walk(paths, (p, m) => fail(p, 'unreadable', m))) {
    const wait = drained();
    if (wait) await wait;
    if (isSpec(path, named)) continue; // checked below, after the policies they govern
    const byName = KEY_POLICY_NAME.test(path);
    const read = readText(path, MAX_BYTES);
    if (!read.ok) {
      if (named || byName) fail(path, read.code, read.message);
      continue;
    }
    const result = checkText(path, read.text, named);
    if (!result.findings) {
      if (named) {
        const what = result.kind === 'iac' ? `no KMS key policy found in this ${result.iacKind === 'terraform' ? 'Terraform file' : 'template'}` : 'not a KMS key policy (no Statement with kms: actions)';
        process.stderr.write(`${display(path)}: ${what}; skipped\n`);
      }
      continue;
    }
    visited.add(uriOf(path));
    checked += result.policies;
    const findings = [...result.findings, ...newAccessOf(path, read.text, named)];
    // By position (stable: a policy's drift findings after its rule findings at the same place).
    add({ file: display(path), findings: toCliFindings(read.text, findings).sort((a, b) => a.line - b.line || a.column - b.column) });
  }
  for (const p of specs) {
    const wait = drained();
    if (wait) await wait;
    const read = readText(p, MAX_BYTES);
    if (!read.ok) fail(p, read.code, read.message); // changed since it was indexed
    else add({ file: display(p), findings: toCliFindings(read.text, checkText(p, read.text, true).findings ?? []) });
  }
  // Drift of the policies the specs govern that the paths checked did not include.
  for (const policyUri of workspace.governedPolicies()) {
    if (visited.has(policyUri)) continue;
    const wait = drained();
    if (wait) await wait;
    const text = readFile(policyUri);
    const findings = text === undefined ? [] : workspace.driftOnly(policyUri);
    if (findings.length) add({ file: display(fileURLToPath(policyUri)), findings: toCliFindings(text!, findings) });
  }
  writer.end();
  sink.close();

  const count = (s: 'error' | 'warning' | 'info') => tally[s];
  const specCount = specs.length;
  const specsChecked = specCount ? ` and ${specCount} domain spec${specCount === 1 ? '' : 's'}` : '';
  process.stderr.write(`${checked} key polic${checked === 1 ? 'y' : 'ies'}${specsChecked} checked: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('info'), 'info')}${unreadable ? `, ${unreadable} file${unreadable === 1 ? '' : 's'} could not be checked` : ''}\n`);

  if (unreadable > 0) return 2;
  if (newAccessCount > 0) return 1;
  const threshold = failOn === 'never' ? 0 : failOn === 'warning' ? count('error') + count('warning') : count('error');
  return threshold > 0 ? 1 : 0;
}

/** Spec and key policy file names (core/fileKinds.ts, through the Workspace). */
const SPEC_NAME = Workspace.SPEC_NAME;
const KEY_POLICY_NAME = Workspace.KEY_POLICY_NAME;

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
        resource: { type: 'string' },
        'drop-service': { type: 'string', multiple: true, default: [] },
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
  let assigned: ReturnType<typeof parseAssignments> | undefined;
  if (v.assign!.length) {
    assigned = parseAssignments(v.assign!);
    if ('error' in assigned) return usage(assigned.error as string, 'fix');
  }
  const file = parsed.positionals[0];
  const read = readText(file, MAX_BYTES);
  if (!read.ok) {
    process.stderr.write(`${file}: ${read.message}\n`);
    return 2;
  }
  const result = fixText(file, read.text, {
    leastPrivilege: v['least-privilege']!,
    style: v.style as Style,
    principalForm: v['principal-form'] as PrincipalForm,
    assigned: assigned as Exclude<typeof assigned, { error: string }>,
    resource: v.resource,
    dropServices: v['drop-service'] ?? [],
    note: (line) => process.stderr.write(line + '\n'),
  });
  if ('error' in result) {
    if (result.usage) return usage(result.aboutFile ? `${file} ${result.error}` : result.error, 'fix');
    process.stderr.write(`${file}: ${result.error}\n`);
    return result.exit;
  }
  const text = result.text;
  if (v.write) {
    if (text !== read.text) writeTextFile(file, text);
    process.stderr.write(text === read.text ? `${file}: nothing to change\n` : `${file}: written\n`);
  } else out(text);
  return result.refused ? 1 : 0;
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
  const g = generateFromSpecText(file, read.text);
  if ('errors' in g) {
    for (const f of g.errors) process.stderr.write(`${file}:${f.line}:${f.column} ${f.severity} ${f.code} ${f.message}\n`);
    process.stderr.write(`${file}: not generated: fix the errors above first\n`);
    return 1;
  }
  if ('error' in g) {
    process.stderr.write(`${file}: ${g.error}\n`);
    return 1;
  }
  if (!parsed.values.write && !parsed.values.check) {
    out(g.text);
    return 0;
  }
  const ref = { path: g.policyPath, resource: g.policyResource };
  if (!ref.path) return usage(`${file} has no key.policy to write to`, 'generate');
  if (ref.resource !== undefined) return usage(`${ref.path}#${ref.resource} is a key policy inside an IaC file; generate writes plain JSON key policy files only`, 'generate');
  const target = resolvePath(dirname(file), ref.path);
  const shown = relative(process.cwd(), target) || target;
  const current = readTextFile(target);
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
  writeTextFile(target, g.text);
  process.stderr.write(`${shown}: written\n`);
  return 0;
}

/** A rule's section of docs/rules.md or docs/domain-spec.md, for SARIF help (read only for SARIF). */
function ruleHelp(id: string): string | undefined {
  return docsSection('rules.md', id) ?? docsSection('domain-spec.md', id);
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));

/** `1 error`, `2 errors`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
