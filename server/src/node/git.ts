/**
 * Read-only git access (the node layer): a file's text at a revision, through the `git` command.
 * Never writes, never fetches: `git show <ref>:<path>` and `git rev-parse` only, with no network.
 */
import { execFile, execFileSync } from 'node:child_process';
import { dirname, relative, sep } from 'node:path';

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
