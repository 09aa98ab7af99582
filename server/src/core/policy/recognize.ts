/** Decides whether a document is a KMS key policy: by file name, by a user glob, or by content. */
import picomatch from 'picomatch';
import type { PolicyDocument } from './model';

const NAME_PATTERN = /\.(key-policy|kms-policy)\.json$/i;

export type Matcher = (path: string) => boolean;

/** Compiles the `kmsPolicy.files` globs once per settings change. Invalid globs are ignored, never thrown. */
export function compileFileGlobs(globs: readonly string[]): Matcher {
  const matchers: Matcher[] = [];
  for (const g of globs) {
    if (typeof g !== 'string' || g.trim() === '') continue;
    try {
      matchers.push(picomatch(g, { dot: true, matchBase: !g.includes('/'), nocase: true }));
    } catch {
      /* an unusable glob matches nothing */
    }
  }
  return (path) => matchers.some((m) => m(path));
}

/** True when the name alone says this is a key policy: `*.key-policy.json`, `*.kms-policy.json`, or a user glob. */
export function isKeyPolicyName(path: string, extra?: Matcher, relativePath?: string): boolean {
  if (NAME_PATTERN.test(path)) return true;
  if (!extra) return false;
  return extra(path) || (relativePath !== undefined && extra(relativePath));
}

/** True when the content is a policy whose Statement uses at least one `kms:` action. */
export function looksLikeKeyPolicy(policy: PolicyDocument): boolean {
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction]) {
      if (list?.items.some((i) => /^kms:/i.test(i.value))) return true;
    }
  }
  return false;
}

/** Folders never searched for key policies and domain specs (dependencies, VCS, build output): by the CLI and the server's workspace scan. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', '.git', '.terraform', 'cdk.out', '.cache', 'dist', 'out']);
