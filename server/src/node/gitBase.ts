/**
 * A document's base for the access-changes code lens, read from git (the node layer, read-only):
 * the file's text at HEAD, `{ text: undefined }` when the repository has a HEAD but not the file
 * (a new file), `undefined` when there is no repository (or no commit, or no git). For editors whose
 * client does not read HEAD itself (the VS Code client does, through the git extension).
 */
import { execFile } from 'node:child_process';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: GIT_ENV, timeout: 5000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, out) => resolve(err ? undefined : out));
  });
}

export async function headText(uri: string): Promise<{ text?: string } | undefined> {
  if (!uri.startsWith('file:')) return undefined;
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    return undefined;
  }
  const root = (await git(dirname(path), ['rev-parse', '--show-toplevel']))?.trim();
  if (!root) return undefined;
  const rel = relative(root, path).split(sep).join('/');
  if (rel.startsWith('..')) return undefined;
  if ((await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) === undefined) return undefined; // no commit yet
  const text = await git(root, ['show', `HEAD:${rel}`]);
  return text === undefined ? {} : { text };
}
