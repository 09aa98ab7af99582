/**
 * Read-only git access (the node layer): a file's text at a revision, through the `git` command.
 * Never writes, never fetches: `git show <ref>:<path>`, `git ls-tree` and `git rev-parse` only, with no network.
 */
import { execFile, execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 4 * 1024 * 1024, timeout: 5000 });
  } catch {
    return undefined;
  }
}

/** The top folder of the repository holding `path` (a file or folder), if git knows one. */
export function gitRoot(path: string, isFolder = false): string | undefined {
  const out = git(isFolder ? path : dirname(path), ['rev-parse', '--show-toplevel']);
  return out?.trim() || undefined;
}

/** Is `ref` a revision of the repository at `root`? */
export function gitHasRef(root: string, ref: string): boolean {
  if (ref.startsWith('-')) return false;
  return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]) !== undefined;
}

/**
 * The text of `path` (absolute) at `ref`, or `undefined` when the file did not exist there (or git
 * is missing, or the path is outside a repository).
 */
export function gitShow(path: string, ref = 'HEAD'): string | undefined {
  if (ref.startsWith('-')) return undefined;
  const root = gitRoot(path);
  if (!root) return undefined;
  const rel = relative(root, path).split(sep).join('/');
  if (rel.startsWith('..')) return undefined;
  return git(root, ['show', `${ref}:${rel}`]);
}

/** `gitShow` without blocking the event loop (for the server): resolves `undefined` as gitShow does. */
export function gitShowAsync(path: string, ref = 'HEAD'): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (ref.startsWith('-')) return resolve(undefined);
    execFile('git', ['rev-parse', '--show-toplevel'], { cwd: dirname(path), env: GIT_ENV, timeout: 5000 }, (err, rootOut) => {
      const root = err ? undefined : String(rootOut).trim();
      if (!root) return resolve(undefined);
      const rel = relative(root, path).split(sep).join('/');
      if (rel.startsWith('..')) return resolve(undefined);
      execFile('git', ['show', `${ref}:${rel}`], { cwd: root, env: GIT_ENV, timeout: 5000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err2, out) =>
        resolve(err2 ? undefined : out),
      );
    });
  });
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
  const root = gitRoot(cwd, true);
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
  return git(revision.root, ['show', `${revision.commit}:${rel}`]);
}

/**
 * The files tracked at a revision under some folders or files (paths relative to the top folder;
 * `''` for all of it), relative to the top folder. `recursive: false` lists a folder's own files only.
 */
export function gitListFiles(revision: GitRevision, paths: readonly string[], recursive = true): string[] {
  const args = ['ls-tree', '--name-only', '-z', ...(recursive ? ['-r'] : []), revision.commit, '--', ...paths.map((p) => (p === '' || p === '.' ? '.' : p))];
  const out = git(revision.root, args);
  return out ? out.split('\0').filter((p) => p !== '') : [];
}
