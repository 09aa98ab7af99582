/**
 * Read-only git access (the node layer): a file's text at a revision, through the `git` command.
 * Never writes, never fetches: `git show <ref>:<path>`, `git ls-tree` and `git rev-parse` only, with no network.
 */
import { execFile, execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
/**
 * git runs from a folder of ours and is pointed at the repository with `-C`: on Windows a program is
 * looked for in the working folder first, and a workspace folder is not trusted to hold no `git.exe`.
 */
const NEUTRAL_CWD = tmpdir();

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', resolvePath(cwd), ...args], { cwd: NEUTRAL_CWD, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 4 * 1024 * 1024, timeout: 5000 });
  } catch {
    return undefined;
  }
}

/** The top folder of the repository holding a folder, if git knows one. */
function gitRoot(folder: string): string | undefined {
  return git(folder, ['rev-parse', '--show-toplevel'])?.trim() || undefined;
}

function gitAsync(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', resolvePath(cwd), ...args], { cwd: NEUTRAL_CWD, env: GIT_ENV, timeout: 5000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, out) => resolve(err ? undefined : out));
  });
}

/**
 * A document's base for the access-changes code lens, without blocking the event loop (the server's,
 * for editors whose client does not read HEAD itself; the VS Code client does, through the git
 * extension): the file's text at HEAD, `{}` when the repository has a HEAD but not the file (a new
 * file), `undefined` when there is no repository (or no commit, or no git).
 */
export async function headText(uri: string): Promise<{ text?: string } | undefined> {
  if (!uri.startsWith('file:')) return undefined;
  let path: string;
  try {
    // git reports the real path of the top folder: a workspace opened through a symlink is read there.
    path = realpathSync(fileURLToPath(uri));
  } catch {
    return undefined;
  }
  const root = (await gitAsync(dirname(path), ['rev-parse', '--show-toplevel']))?.trim();
  if (!root) return undefined;
  const rel = relative(root, path).split(sep).join('/');
  if (rel.startsWith('..')) return undefined;
  if ((await gitAsync(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) === undefined) return undefined; // no commit yet
  const text = await gitAsync(root, ['show', `HEAD:${rel}`]);
  if (text !== undefined) return { text };
  // A new file, or git failed (then there is no base: the lens compares with the version when opened).
  return (await gitAsync(root, ['cat-file', '-e', `HEAD:${rel}`])) === undefined ? {} : undefined;
}

/**
 * A revision the CLI compares with: the repository's top folder and the commit `ref` names,
 * resolved once (so every file is read at the same commit). Undefined when `cwd` is not in a
 * repository or `ref` names no commit there.
 */
export interface GitRevision {
  readonly root: string;
  /** The commit id. */
  readonly commit: string;
  /** The revision as the user wrote it (for messages). */
  readonly ref: string;
}

export function gitRevision(cwd: string, ref: string): GitRevision | { error: string } {
  if (!ref || ref.startsWith('-')) return { error: `"${ref}" is not a git revision` };
  const root = gitRoot(cwd);
  if (!root) return { error: `${cwd === '.' ? 'the current folder' : cwd} is not in a git repository (or git is not installed)` };
  const commit = git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])?.trim();
  if (!commit) return { error: `no commit "${ref}" in the repository at ${root}` };
  return { root, commit, ref };
}

/** A path (absolute, or relative to the working directory) as git names it in the repository at `root`, or undefined when outside it. */
export function gitPath(root: string, path: string): string | undefined {
  let abs = resolvePath(path);
  try {
    abs = realpathSync(abs);
  } catch {
    // a file that does not exist (any more): its folder may
    try {
      abs = join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      /* as given */
    }
  }
  const rel = relative(root, abs).split(sep).join('/');
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel;
}

/** The text of a file (a path relative to the repository's top folder, `/`-separated) at a revision, or undefined when it did not exist there. */
export function gitShowAt(revision: GitRevision, rel: string): string | undefined {
  const text = git(revision.root, ['show', `${revision.commit}:${rel}`]);
  if (text !== undefined) return text;
  // Not there at that revision, or git failed (a timeout, a file over 4 MB): only the first is "new".
  if (git(revision.root, ['cat-file', '-e', `${revision.commit}:${rel}`]) === undefined) return undefined;
  throw new Error(`git could not read ${rel} at ${revision.ref}`);
}

/**
 * The files tracked at a revision under some folders or files (paths relative to the top folder;
 * `''` for all of it), relative to the top folder. `recursive: false` lists a folder's own files only.
 */
export function gitListFiles(revision: GitRevision, paths: readonly string[], recursive = true): string[] {
  const args = ['--literal-pathspecs', 'ls-tree', '--name-only', '-z', ...(recursive ? ['-r'] : []), revision.commit, '--', ...paths.map((p) => (p === '' || p === '.' ? '.' : p))];
  const out = git(revision.root, args);
  return out ? out.split('\0').filter((p) => p !== '') : [];
}
