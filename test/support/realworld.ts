/**
 * Where the real-world corpus is: `../shared/realworld` next to the checkout (in a git worktree, next
 * to its main checkout too); KMS_REALWORLD overrides. The corpus is judged by hand and not ours to
 * commit, so a machine without it cannot run the tests that read it: they say so, loudly.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');

export function realworldDir(): { dir?: string; tried: string[] } {
  const tried: string[] = [];
  if (process.env.KMS_REALWORLD) tried.push(process.env.KMS_REALWORLD);
  tried.push(join(REPO, '..', 'shared', 'realworld'));
  const git = join(REPO, '.git');
  if (existsSync(git) && statSync(git).isFile()) {
    const m = /gitdir:\s*(.+?)[\\/]\.git[\\/]worktrees[\\/]/.exec(readFileSync(git, 'utf8'));
    if (m) tried.push(join(m[1], '..', 'shared', 'realworld'));
  }
  return { dir: tried.find((d) => existsSync(join(d, 'corpus')) && existsSync(join(d, 'expect.json'))), tried };
}

/** The reason to skip, written to stderr so that it shows in any run, or undefined when the corpus is here. */
export function missingCorpus(what: string): string | undefined {
  const { dir, tried } = realworldDir();
  if (dir) return undefined;
  const reason = `SKIPPED: ${what} needs the real-world corpus (corpus/ and expect.json), which is not on this machine: looked in ${tried.join(', ')}. Set KMS_REALWORLD to its folder.`;
  process.stderr.write(`\n!!! ${reason}\n\n`);
  return reason;
}
