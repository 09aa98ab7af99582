/**
 * `kms-policy diff` and `kms-policy explain`, and the base revision `check --no-new-access` compares
 * with. Arguments, files and git revisions (through the node layer); the comparison and the reports
 * are service/accessDiff.ts over the Workspace, so the diff sees each policy as `check` does
 * (templates, Terraform module folders, the specs that govern it).
 */
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { exists, isDirectory, listTerraform, readFile, specsNear } from '../node/files';
import { gitListFiles, gitPath, gitRevision, gitShowAt, type GitRevision } from '../node/git';
import { readText, walk, walkVisits } from '../node/walk';
import { compareKeys, diffReport, unchangedKeys, explainKey, hasNews, isPartial, keyPolicies, specIntent, type DiffFormat, type KeyComparison, type ViewFormat } from '../service/accessDiff';
import { CurrentDocument, Workspace, type FolderView } from '../service/workspace';

export const DIFF_USAGE = `Usage: kms-policy diff <old> <new> [options]
       kms-policy diff --base <git-ref> [paths...] [options]

Compares the effective access of two versions of key policies: who gains, loses or keeps with
other conditions each capability of each key. Each file is a key policy, a CloudFormation
template or a Terraform file; keys are matched by logical id or resource address, and a key on
one side only is added or removed. With --base, every key policy in the paths ("." by default) is
compared with the same file at that git revision (read with git, read-only).

Options:
  --base <git-ref>           compare the files in the paths with this revision (a commit, branch, tag)
  --format text|json|markdown
                             output format (default text; markdown is a table for a pull request)
  -h, --help                 show this help

Exit codes: 0 no change in access (and every policy fully known); 1 access changed, a key was
            added or removed, or a policy is only partly known; 2 usage error, a file that could
            not be read, or a revision git does not know.
`;

export const EXPLAIN_USAGE = `Usage: kms-policy explain <file> [options]

Prints the effective access of each key policy in the file: every principal it names and the
stand-ins ("anyone in the account through IAM", "anyone in another account", "any other AWS
service") against the five capabilities: allowed, via IAM, conditional (with the conditions) or
denied. With a domain spec (*.kms-domain.yaml) in the file's folder or above that governs the
policy, the spec's intent is shown too.

Options:
  --format text|markdown|html
                             output format (default text)
  -h, --help                 show this help
`;

export interface CliIo {
  /** Writes to stdout (stops the command when stdout has closed). */
  out(text: string): void;
  /** Reports a usage error on stderr; returns 2. */
  usage(message: string, command: string): number;
  /** While stdout is behind, a promise of its drain. */
  drained(): Promise<void> | undefined;
}

const MAX_BYTES = 2 * 1024 * 1024;
const display = (p: string) => (isAbsolute(p) ? relative(process.cwd(), p) || p : p);
const uriOf = (path: string) => pathToFileURL(resolvePath(path)).href;

/** A Workspace that sees one document at a time (the CLI's), over a folder view. */
function cliWorkspace(files: FolderView): { workspace: Workspace; current: CurrentDocument } {
  const current = new CurrentDocument();
  const workspace = new Workspace({ documents: current, files, indexPolicies: false, displayUri: (uri) => display(fileURLToPath(uri)) });
  workspace.configure({ maxFileSize: MAX_BYTES });
  return { workspace, current };
}

/**
 * The files as they were at a revision: a Workspace whose folder view reads git (a Terraform file's
 * module folder as it was then), and the text of a path there.
 */
export class BaseRevision {
  readonly workspace: Workspace;
  private readonly current: CurrentDocument;
  constructor(readonly revision: GitRevision) {
    const files: FolderView = {
      readFile: (uri) => {
        const rel = uri.startsWith('file:') ? gitPath(revision.root, fileURLToPath(uri)) : undefined;
        return rel === undefined ? undefined : gitShowAt(revision, rel);
      },
      findFiles: () => [],
      listTerraform: (folderUri) => {
        const rel = folderUri.startsWith('file:') ? gitPath(revision.root, fileURLToPath(folderUri)) : undefined;
        if (rel === undefined) return [];
        const folder = folderUri.endsWith('/') ? folderUri : folderUri + '/';
        return gitListFiles(revision, [rel === '' ? '.' : rel + '/'], false).map((p) => pathToFileURL(join(fileURLToPath(folder), basename(p))).href);
      },
    };
    ({ workspace: this.workspace, current: this.current } = cliWorkspace(files));
  }

  /** The file's text at the revision, undefined when it did not exist there. */
  text(path: string): string | undefined {
    const rel = gitPath(this.revision.root, path);
    return rel === undefined ? undefined : gitShowAt(this.revision, rel);
  }

  /** Its key policies at the revision (undefined when it held none, or did not exist). */
  keys(path: string, text: string | undefined, named: boolean): ReturnType<typeof keyPolicies> {
    if (text === undefined) return undefined;
    const uri = this.current.set(uriOf(path), text);
    try {
      return keyPolicies(this.workspace, uri, display(path), named);
    } finally {
      this.workspace.forget(uri);
      this.current.clear();
    }
  }

  /**
   * Files under the paths at the revision that no longer exist (their keys are removed), as the
   * walk would have visited them.
   */
  deletedFiles(paths: readonly string[]): string[] {
    const rels = paths.map((p) => gitPath(this.revision.root, p)).filter((r): r is string => r !== undefined);
    if (!rels.length) return [];
    return gitListFiles(this.revision, rels)
      .filter(walkVisits)
      .map((rel) => resolvePath(this.revision.root, rel))
      .filter((p) => !exists(p))
      .map((p) => display(p));
  }
}

/** `--base <ref>` for the paths: the revision, or the error (exit 2). */
export function openBase(ref: string, paths: readonly string[]): BaseRevision | { error: string } {
  const first = paths[0] ?? '.';
  const revision = gitRevision(!exists(first) ? '.' : isDirectory(first) ? first : dirname(first), ref);
  return 'error' in revision ? revision : new BaseRevision(revision);
}

function tally(keys: readonly KeyComparison[]): string {
  const shown = keys.filter((k) => hasNews(k.diff));
  let gains = 0;
  let losses = 0;
  let changed = 0;
  for (const k of shown) {
    gains += k.diff.gains;
    losses += k.diff.losses;
    changed += k.diff.changed;
  }
  const added = shown.filter((k) => k.diff.added).length;
  const removed = shown.filter((k) => k.diff.removed).length;
  const partial = shown.filter((k) => isPartial(k.diff)).length;
  const n = keys.length;
  const head = `${n} key polic${n === 1 ? 'y' : 'ies'} compared`;
  if (!shown.length) return `${head}: no change in access\n`;
  const parts = [`${gains} gain${gains === 1 ? '' : 's'}`, `${losses} loss${losses === 1 ? '' : 'es'}`, `${changed} with other conditions`];
  if (added) parts.push(`${added} key${added === 1 ? '' : 's'} added`);
  if (removed) parts.push(`${removed} key${removed === 1 ? '' : 's'} removed`);
  if (partial) parts.push(`${partial} partly unknown (the diff covers the known part only)`);
  return `${head}: ${parts.join(', ')}\n`;
}

export async function diffCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { base: { type: 'string' }, format: { type: 'string', default: 'text' } } });
  } catch (e) {
    process.stderr.write(`kms-policy diff: ${(e as Error).message}\n\n${DIFF_USAGE}`);
    return 2;
  }
  const { base, format } = parsed.values;
  if (!['text', 'json', 'markdown'].includes(format!)) return io.usage(`--format must be text, json or markdown, not "${format}"`, 'diff');
  const positionals = parsed.positionals;
  let keys: KeyComparison[];
  let against: string | undefined;
  if (base === undefined) {
    if (positionals.length !== 2) return io.usage('give two files (old and new), or --base <git-ref> and the paths to compare with it', 'diff');
    const result = diffFiles(positionals[0], positionals[1]);
    if ('exit' in result) return result.exit;
    keys = result.keys;
  } else {
    const paths = positionals.length ? positionals : ['.'];
    const opened = openBase(base, paths);
    if ('error' in opened) return io.usage(opened.error, 'diff');
    against = base;
    const result = await diffWithBase(opened, paths, io);
    if ('exit' in result) return result.exit;
    keys = result.keys;
  }
  io.out(diffReport(keys, format as DiffFormat, against));
  process.stderr.write(tally(keys));
  return keys.some((k) => hasNews(k.diff)) ? 1 : 0;
}

/** `diff OLD NEW`: each file read from disk and parsed with its own folder view (a Terraform file's module, the other file left out). */
function diffFiles(oldPath: string, newPath: string): { keys: KeyComparison[] } | { exit: number } {
  const sides: { path: string; keys: ReturnType<typeof keyPolicies> }[] = [];
  for (const [path, other] of [
    [oldPath, newPath],
    [newPath, oldPath],
  ]) {
    const read = readText(path, MAX_BYTES);
    if (!read.ok) {
      process.stderr.write(`${path}: ${read.message}\n`);
      return { exit: 2 };
    }
    const otherUri = uriOf(other);
    const { workspace, current } = cliWorkspace({ readFile, findFiles: () => [], listTerraform: (dir) => listTerraform(dir).filter((u) => u !== otherUri) });
    // A plain policy file's key is named after the new file on both sides.
    const keys = keyPolicies(workspace, current.set(uriOf(path), read.text), display(newPath), true);
    if (!keys) {
      process.stderr.write(`${path}: not a KMS key policy, CloudFormation template or Terraform file with a key policy\n`);
      return { exit: 2 };
    }
    sides.push({ path, keys });
  }
  return { keys: compareKeys(sides[0].keys, sides[1].keys, display(newPath)) };
}

/** `diff --base REF [paths]`: the files the walk finds, each against its text at the revision; files deleted since, as removed keys. */
async function diffWithBase(base: BaseRevision, paths: readonly string[], io: CliIo): Promise<{ keys: KeyComparison[] } | { exit: number }> {
  const { workspace, current } = cliWorkspace({ readFile, findFiles: () => [], listTerraform });
  const keys: KeyComparison[] = [];
  let unreadable = 0;
  for (const { path, named } of walk(paths, (p, m) => {
    unreadable++;
    process.stderr.write(`${display(p)}: ${m}\n`);
  })) {
    const wait = io.drained();
    if (wait) await wait;
    if (Workspace.SPEC_NAME.test(path)) continue;
    const read = readText(path, MAX_BYTES);
    if (!read.ok) {
      if (named || Workspace.KEY_POLICY_NAME.test(path)) {
        unreadable++;
        process.stderr.write(`${display(path)}: ${read.message}\n`);
      }
      continue;
    }
    keys.push(...compareWithBase(base, workspace, current, path, read.text, named));
  }
  for (const path of base.deletedFiles(paths)) {
    const old = base.keys(path, base.text(path), false);
    if (old) keys.push(...compareKeys(old, undefined, path));
  }
  return unreadable ? { exit: 2 } : { keys };
}

/**
 * One file against its text at the base: its keys compared (none when neither version holds a key
 * policy). An unchanged file that is not Terraform (whose policy may come from the module's other
 * files) cannot change access and is compared with itself at no cost.
 */
export function compareWithBase(base: BaseRevision, workspace: Workspace, current: CurrentDocument, path: string, text: string, named: boolean, also?: (uri: string, keys: KeyComparison[]) => void): KeyComparison[] {
  const uri = current.set(uriOf(path), text);
  try {
    const now = keyPolicies(workspace, uri, display(path), named);
    const oldText = base.text(path);
    const terraform = /\.(tf|tofu)$/i.test(path);
    if (oldText === text && !terraform) return now ? unchangedKeys(now, display(path)) : [];
    const old = base.keys(path, oldText, named);
    if (!now && !old) return [];
    let keys = compareKeys(old, now, display(path));
    if (oldText === text && now) keys = unchangedKeys(now, display(path), keys);
    also?.(uri, keys);
    return keys;
  } finally {
    workspace.forget(uri);
    current.clear();
  }
}

export function explainCommand(args: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { format: { type: 'string', default: 'text' } } });
  } catch (e) {
    process.stderr.write(`kms-policy explain: ${(e as Error).message}\n\n${EXPLAIN_USAGE}`);
    return 2;
  }
  const format = parsed.values.format!;
  if (!['text', 'markdown', 'html'].includes(format)) return io.usage(`--format must be text, markdown or html, not "${format}"`, 'explain');
  if (parsed.positionals.length !== 1) return io.usage('give exactly one key policy file, CloudFormation template or Terraform file', 'explain');
  const file = parsed.positionals[0];
  const read = readText(file, MAX_BYTES);
  if (!read.ok) {
    process.stderr.write(`${file}: ${read.message}\n`);
    return 2;
  }
  const { workspace, current } = cliWorkspace({ readFile, findFiles: () => [], listTerraform });
  // The specs that may govern it: in its folder and the folders above (up to the working directory).
  for (const spec of specsNear(file, process.cwd())) {
    const text = readFile(uriOf(spec));
    if (text !== undefined) workspace.changed(current.set(uriOf(spec), text));
    current.clear();
  }
  const uri = current.set(uriOf(file), read.text);
  const keys = keyPolicies(workspace, uri, display(file), true);
  if (!keys?.length) {
    process.stderr.write(`${file}: ${keys ? 'no KMS key policy found in it' : 'not a KMS key policy (no Statement with kms: actions)'}\n`);
    return 2;
  }
  const parts = keys.map(({ key, policy }) => explainKey(policy, key, format as ViewFormat, specIntent(workspace.governingSpecs(uri, policy))));
  const joined = parts.map((p) => (p.endsWith('\n') ? p : p + '\n')).join('\n');
  io.out(joined);
  return 0;
}
