/**
 * The keys of two versions of a file, matched: each key policy named by its key (`keyName`: the
 * logical id or resource address, else the file), a key on one side only added or removed. Used by
 * the CLI's diff and gate and by the editor's code lens alike.
 */
import type { PolicyDocument } from '../policy/model';
import { keyName } from './view';

/** One key's policy in a file: the key as `keyName` names it, and its parse. */
export interface KeyPolicy {
  readonly key: string;
  readonly policy: PolicyDocument;
}

/** A file's policies named by key; two keys of the same name (a template with duplicate resources) are told apart as `name#2`. */
export function keyPolicies(policies: readonly PolicyDocument[], fallback: string): KeyPolicy[] {
  const seen = new Map<string, number>();
  return policies.map((policy) => {
    const base = keyName(policy, fallback);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { key: n === 1 ? base : `${base}#${n}`, policy };
  });
}

export interface KeyPair {
  readonly key: string;
  readonly before: PolicyDocument | undefined;
  readonly after: PolicyDocument | undefined;
}

/**
 * The keys of two versions matched by key, the new version's first. When each side holds one key
 * and one of them is a plain policy file (no resource name), the two are the same key.
 */
export function matchKeys(before: readonly KeyPolicy[], after: readonly KeyPolicy[]): KeyPair[] {
  if (before.length === 1 && after.length === 1 && before[0].key !== after[0].key && (!before[0].policy.embedded || !after[0].policy.embedded)) {
    const key = after[0].policy.embedded ? after[0].key : before[0].policy.embedded ? before[0].key : after[0].key;
    return [{ key, before: before[0].policy, after: after[0].policy }];
  }
  const byKey = new Map(before.map((k) => [k.key, k.policy]));
  const pairs: KeyPair[] = [];
  for (const k of after) {
    pairs.push({ key: k.key, before: byKey.get(k.key), after: k.policy });
    byKey.delete(k.key);
  }
  for (const [key, policy] of byKey) pairs.push({ key, before: policy, after: undefined });
  return pairs;
}
