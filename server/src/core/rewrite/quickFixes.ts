/**
 * Quick fixes, each found by its rule id (the diagnostic code). They return plain edits that
 * touch only what must change; `service/` turns them into LSP code actions.
 */
import { findNodeAtOffset, getNodePath, type JSONPath } from 'jsonc-parser';
import { expandAction, isWildcard, splitAction } from '../catalog/catalog';
import { POLICY_VERSION } from '../policy/grammar';
import type { PolicyDocument, Span, ValueList } from '../policy/model';
import { replaceSpan, setValue, type Edit } from './edits';

export interface Fix {
  readonly title: string;
  readonly edits: readonly Edit[];
  readonly preferred?: boolean;
}

export interface FixRequest {
  readonly code: string;
  readonly span: Span;
  readonly data?: Readonly<Record<string, unknown>>;
}

type Fixer = (policy: PolicyDocument, request: FixRequest) => Fix[];

const replacement = (r: FixRequest) => (typeof r.data?.replacement === 'string' ? r.data.replacement : undefined);

function pathAt(policy: PolicyDocument, offset: number): JSONPath | undefined {
  if (!policy.root) return undefined;
  const node = findNodeAtOffset(policy.root, offset, false);
  return node ? getNodePath(node) : undefined;
}

function statementPathAt(policy: PolicyDocument, offset: number): JSONPath | undefined {
  const s = policy.statements.find((x) => x.span.start <= offset && offset < x.span.end);
  if (!s) return undefined;
  const path = pathAt(policy, s.span.start);
  return path;
}

const replaceString: Fixer = (_policy, r) => {
  const value = replacement(r);
  return value === undefined ? [] : [{ title: `Change to "${value}"`, edits: [replaceSpan(r.span, JSON.stringify(value))], preferred: true }];
};

const FIXERS: Record<string, Fixer> = {
  'unknown-action': replaceString,
  'invalid-effect': replaceString,
  'unknown-element': replaceString,
  'deprecated-condition-key': replaceString,
  'resource-not-star': (_policy, r) => [{ title: 'Set Resource to "*" (this key)', edits: [replaceSpan(r.span, '"*"')], preferred: true }],
  'invalid-version': (policy, r) => {
    if (policy.version) return [{ title: `Set Version to "${POLICY_VERSION}"`, edits: [replaceSpan(policy.version.span, JSON.stringify(POLICY_VERSION))], preferred: true }];
    return [{ title: `Add "Version": "${POLICY_VERSION}"`, edits: setValue(policy.text, ['Version'], POLICY_VERSION, 0), preferred: true }];
  },
  'missing-resource': (policy, r) => {
    const path = statementPathAt(policy, r.span.start);
    return path ? [{ title: 'Add "Resource": "*"', edits: setValue(policy.text, [...path, 'Resource'], '*'), preferred: true }] : [];
  },
  'duplicate-action': (policy, r) => {
    const path = pathAt(policy, r.span.start);
    return path ? [{ title: 'Remove the duplicate action', edits: setValue(policy.text, path, undefined), preferred: true }] : [];
  },
};

export function quickFixes(policy: PolicyDocument, request: FixRequest): Fix[] {
  const fixer = FIXERS[request.code];
  if (!fixer || !policy.root) return [];
  try {
    return fixer(policy, request);
  } catch {
    return [];
  }
}

export function hasQuickFix(code: string): boolean {
  return code in FIXERS;
}

// ---- refactorings on Action lists (not tied to a diagnostic) --------------------------------

/** At an action wildcard: expand it into the actions it matches. */
export function expandWildcard(policy: PolicyDocument, offset: number): Fix | undefined {
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction]) {
      const item = list?.items.find((i) => i.literal && i.span.start <= offset && offset <= i.span.end);
      if (!item || !isWildcard(item.value)) continue;
      const matched = expandAction(item.value);
      if (matched.length === 0 || matched.length > 60) return undefined;
      const path = pathAt(policy, item.span.start);
      if (!path || !list) return undefined;
      const others = list.items.filter((i) => i !== item).map((i) => i.value);
      const values = [...others, ...matched.map((a) => a.fullName).filter((n) => !others.includes(n))];
      const listPath = list.isArray ? path.slice(0, -1) : path;
      return { title: `Expand "${item.value}" into its ${matched.length} action${matched.length === 1 ? '' : 's'}`, edits: setValue(policy.text, listPath, values) };
    }
  }
  return undefined;
}

/** On an Action list whose actions are exactly what one wildcard matches: collapse them into it. */
export function collapseToWildcard(policy: PolicyDocument, offset: number): Fix | undefined {
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction]) {
      if (!list || !list.isArray || offset < list.span.start || offset > list.span.end) continue;
      const wildcard = exactWildcard(list);
      if (!wildcard) return undefined;
      const path = pathAt(policy, list.span.start);
      if (!path) return undefined;
      return { title: `Collapse ${list.items.length} actions into "${wildcard}"`, edits: setValue(policy.text, path, wildcard) };
    }
  }
  return undefined;
}

function exactWildcard(list: ValueList): string | undefined {
  if (list.items.length < 2 || list.items.some((i) => !i.literal || isWildcard(i.value) || splitAction(i.value).service.toLowerCase() !== 'kms')) return undefined;
  const names = list.items.map((i) => splitAction(i.value).name);
  let prefix = names[0];
  for (const n of names) while (!n.toLowerCase().startsWith(prefix.toLowerCase())) prefix = prefix.slice(0, -1);
  if (prefix.length < 3) return undefined;
  const candidate = `kms:${prefix}*`;
  const matched = new Set(expandAction(candidate).map((a) => a.name.toLowerCase()));
  const listed = new Set(names.map((n) => n.toLowerCase()));
  if (matched.size !== listed.size || [...listed].some((n) => !matched.has(n))) return undefined;
  return candidate;
}
