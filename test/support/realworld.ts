/**
 * Where the real-world corpus is: `../shared/realworld` next to the checkout (in a git worktree, next
 * to its main checkout too); KMS_REALWORLD overrides. The corpus is judged by hand and not ours to
 * commit. Without it, the tests that read it fail with a message saying where they looked, unless
 * the run says explicitly that the corpus is not there (`KMS_REALWORLD=none`, which `.ci/run` sets,
 * loudly, on a clean clone with no ../shared): then they are skipped, and say so on stderr.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');

export function realworldDir(): { dir?: string; tried: string[] } {
  const tried: string[] = [];
  if (process.env.KMS_REALWORLD && process.env.KMS_REALWORLD !== 'none') tried.push(process.env.KMS_REALWORLD);
  tried.push(join(REPO, '..', 'shared', 'realworld'));
  const git = join(REPO, '.git');
  if (existsSync(git) && statSync(git).isFile()) {
    const m = /gitdir:\s*(.+?)[\\/]\.git[\\/]worktrees[\\/]/.exec(readFileSync(git, 'utf8'));
    if (m) tried.push(join(m[1], '..', 'shared', 'realworld'));
  }
  return { dir: tried.find((d) => existsSync(join(d, 'corpus')) && existsSync(join(d, 'expect.json'))), tried };
}

/**
 * The reason to skip (only with KMS_REALWORLD=none), written to stderr so that it shows in any run;
 * undefined otherwise: the test then runs, and `corpusDir` fails it when the corpus is missing.
 */
export function missingCorpus(what: string): string | undefined {
  const { dir, tried } = realworldDir();
  if (dir || process.env.KMS_REALWORLD !== 'none') return undefined;
  const reason = `SKIPPED: ${what} needs the real-world corpus (corpus/ and expect.json); KMS_REALWORLD=none says it is not on this machine (looked in ${tried.join(', ')}).`;
  process.stderr.write(`\n!!! ${reason}\n\n`);
  return reason;
}

/** The corpus folder, or a failure that says where it was looked for and how to point at it. */
export function corpusDir(what: string): string {
  const { dir, tried } = realworldDir();
  if (dir) return dir;
  throw new Error(
    `${what} needs the real-world corpus (corpus/ and expect.json), which is not on this machine: looked in ${tried.join(', ')}. Set KMS_REALWORLD to its folder, or KMS_REALWORLD=none to skip the tests that read it.`,
  );
}
