/** Lookups over the generated KMS catalog. Every lookup is a map access; nothing scans the text. */
import { snapshot } from './kms-catalog.generated';
import { ACTION_CAPABILITY, CAPABILITIES, type Capability } from './capabilities';
import type { ActionInfo, ConditionKeyInfo } from './types';
import { wildcardMatcher, type WildcardMatcher } from '../util/wildcard';
import { closest } from '../util/text';
import { BoundedMemo } from '../util/memo';

export type { ActionInfo, ConditionKeyInfo } from './types';
export { CAPABILITIES, CAPABILITY_INFO, type Capability } from './capabilities';

export interface KmsAction extends ActionInfo {
  /** `kms:Decrypt` */
  readonly fullName: string;
  readonly capability: Capability;
  /**
   * False for actions that cannot be scoped to a key (CreateKey, ListKeys, GenerateRandom,
   * custom key store actions...): granting them in a key policy has no effect.
   */
  readonly keyScoped: boolean;
}

export const catalogSource = snapshot.source;

/** Every KMS action, sorted by name. Throws at load if an action has no capability. */
export const kmsActions: readonly KmsAction[] = snapshot.actions.map((a) => ({
  ...a,
  fullName: `kms:${a.name}`,
  capability: ACTION_CAPABILITY[a.name],
  keyScoped: a.resourceTypes.length > 0,
}));

/** Keyed by the catalog's own action names (fixed and finite), like exactKeys below: plain Maps, no bound needed. */
const byLowerName = new Map<string, KmsAction>(kmsActions.map((a) => [a.name.toLowerCase(), a]));

/** Looks up `Decrypt`, `kms:Decrypt` or `KMS:decrypt` (IAM action names are case-insensitive). */
export function findAction(name: string): KmsAction | undefined {
  const lower = name.toLowerCase();
  return byLowerName.get(lower.startsWith('kms:') ? lower.slice(4) : lower);
}

export function actionsOfCapability(capability: Capability): readonly KmsAction[] {
  return actionsByCapability.get(capability) ?? [];
}
const actionsByCapability = new Map<Capability, KmsAction[]>(CAPABILITIES.map((c) => [c, []]));
for (const a of kmsActions) actionsByCapability.get(a.capability)?.push(a);

/**
 * Can an AWS service call this action on a principal's behalf? Services use keys (the data
 * capabilities and read-config: Encrypt, Decrypt, DescribeKey...) and manage the grants they use
 * (the actions that carry kms:GrantIsForAWSResource). They never change a key, its policy, its
 * aliases or its lifecycle (PutKeyPolicy, ScheduleKeyDeletion, DeleteAlias...).
 */
export function calledByAwsServices(action: KmsAction): boolean {
  return action.capability === 'read-data' || action.capability === 'write-data' || action.capability === 'read-config' || action.conditionKeys.includes('kms:GrantIsForAWSResource');
}

/** Splits `service:Name` into its parts; a missing colon gives service ''. */
export function splitAction(action: string): { service: string; name: string } {
  const i = action.indexOf(':');
  return i < 0 ? { service: '', name: action } : { service: action.slice(0, i), name: action.slice(i + 1) };
}

/** IAM wildcard (`*` any run, `?` one char), case-insensitive. Safe on hostile patterns (see util/wildcard.ts). */
export function wildcardRegExp(pattern: string): WildcardMatcher {
  return wildcardMatcher(pattern);
}


/**
 * The KMS actions an Action element value stands for: `kms:Decrypt` -> [Decrypt],
 * `kms:GenerateDataKey*` -> the four GenerateDataKey actions, `*` -> all. Non-KMS or unknown
 * values give [].
 */
export function expandAction(value: string): readonly KmsAction[] {
  if (value === '*') return kmsActions;
  return expansions.get(value);
}
/** Rules, the evaluator and hover expand the same few values over and over: once each (values are user-typed: bounded). */
const expansions = new BoundedMemo<string, readonly KmsAction[]>('catalog.expandAction', 2000, (value) => expand(value));

function expand(value: string): readonly KmsAction[] {
  const { service, name } = splitAction(value);
  if (service.toLowerCase() !== 'kms') {
    // `k*:Decrypt` style service wildcards are legal IAM; match the service part too.
    if (!/[*?]/.test(service) || !wildcardRegExp(service).test('kms')) return [];
  }
  if (!/[*?]/.test(name)) {
    const a = byLowerName.get(name.toLowerCase());
    return a ? [a] : [];
  }
  const re = wildcardRegExp(name);
  return kmsActions.filter((a) => re.test(a.name));
}

export function isWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/** Capabilities spanned by a set of actions, in CAPABILITIES order. */
export function capabilitiesOf(actions: readonly KmsAction[]): Capability[] {
  const present = new Set(actions.map((a) => a.capability));
  return CAPABILITIES.filter((c) => present.has(c));
}

// ---- condition keys ------------------------------------------------------------------------

export interface ConditionKey extends ConditionKeyInfo {
  readonly global: boolean;
  /** Offered in completion: every kms: key, and the global keys that matter in key policies. */
  readonly featured: boolean;
  /** For deprecated keys, the key to use instead (read from the catalog description). */
  readonly replacedBy?: string;
}

function replacement(description: string): string | undefined {
  return /deprecated/i.test(description) ? /use the ([a-z]+:[A-Za-z]+) condition key/i.exec(description)?.[1] : undefined;
}

/** All known condition keys: the KMS service's keys, then global keys the service data does not repeat. */
export const conditionKeys: readonly ConditionKey[] = [
  ...snapshot.conditionKeys.map((k) => ({ ...k, global: k.key.startsWith('aws:'), featured: true, replacedBy: replacement(k.description) })),
  ...snapshot.globalConditionKeys
    .filter((g) => !snapshot.conditionKeys.some((k) => k.key.toLowerCase() === g.key.toLowerCase()))
    .map((k) => ({ ...k, global: true, featured: k.featured === true })),
];

const exactKeys = new Map<string, ConditionKey>();
const patternKeys: { re: RegExp; key: ConditionKey }[] = [];
for (const k of conditionKeys) {
  if (k.key.includes('${')) {
    const body = k.key.split(/\$\{[^}]*\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.+');
    patternKeys.push({ re: new RegExp(`^${body}$`, 'i'), key: k });
  } else {
    exactKeys.set(k.key.toLowerCase(), k);
  }
}

/** Finds `kms:ViaService`, or a pattern key such as `kms:EncryptionContext:${...}` for `kms:EncryptionContext:Dept`. Case-insensitive. */
export function findConditionKey(key: string): ConditionKey | undefined {
  return foundKeys.get(key);
}
/** Rules, completion and the evaluator ask about the same few keys: each spelling is looked up once (spellings are user-typed: bounded). */
const foundKeys = new BoundedMemo<string, ConditionKey | undefined>('catalog.findConditionKey', 2000, (key) => exactKeys.get(key.toLowerCase()) ?? patternKeys.find((p) => p.re.test(key))?.key);

// ---- suggestions ---------------------------------------------------------------------------

/** The closest known action to a misspelled one (`kms:Decrpyt` -> Decrypt), if any is close enough. */
export function suggestAction(value: string): KmsAction | undefined {
  const name = closest(splitAction(value).name, actionNames);
  return name === undefined ? undefined : byLowerName.get(name.toLowerCase());
}
const actionNames = kmsActions.map((a) => a.name);
