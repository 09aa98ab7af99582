/** Decides whether a document is a KMS key policy: by file name, by a user glob, or by content. */
import picomatch from 'picomatch';
import type { PolicyDocument } from './model';
import type { NameMatcher } from '../fileKinds';

export { isKeyPolicyName, SKIPPED_FOLDERS } from '../fileKinds';

export type Matcher = NameMatcher;

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


/** True when the content is a policy whose Statement uses at least one `kms:` action. */
export function looksLikeKeyPolicy(policy: PolicyDocument): boolean {
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction]) {
      if (list?.items.some((i) => /^kms:/i.test(i.value))) return true;
    }
  }
  return false;
}
