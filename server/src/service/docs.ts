/** Markdown explanations of actions, wildcards, condition keys and operators: shared by hover and completion. */
import {
  CAPABILITY_INFO,
  capabilitiesOf,
  expandAction,
  findAction,
  findConditionKey,
  isWildcard,
  splitAction,
  suggestAction,
  type ConditionKey,
  type KmsAction,
} from '../core/catalog/catalog';
import { describeOperator, parseOperator } from '../core/policy/operators';

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

/** Condition key lists are long (Decrypt has 70 attestation keys); fold families of more than 4 keys sharing a prefix. */
function foldKeys(keys: readonly string[]): string[] {
  const families = new Map<string, string[]>();
  for (const k of keys) {
    const prefix = k.slice(0, k.lastIndexOf(':') + 1);
    const family = prefix.split(':').length > 2 ? prefix : k;
    families.set(family, [...(families.get(family) ?? []), k]);
  }
  const out: string[] = [];
  for (const [family, members] of families) {
    if (members.length > 4) out.push(`${code(family + '*')} (${members.length} keys)`);
    else out.push(...members.map(code));
  }
  return out;
}

export function actionSummary(a: KmsAction): string {
  return `${a.capability} · ${a.accessLevel}`;
}

export function actionMarkdown(a: KmsAction): string {
  const lines = [
    `**${a.fullName}** — ${a.description}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Capability | ${code(a.capability)}: ${CAPABILITY_INFO[a.capability].meaning} |`,
    `| Access level | ${a.accessLevel} |`,
    `| Resource types | ${a.resourceTypes.length ? a.resourceTypes.map((r) => `${r.name}${r.required ? '' : ' (optional)'}`).join(', ') : 'none (not scoped to a key)'} |`,
    `| Condition keys | ${a.conditionKeys.length ? foldKeys(a.conditionKeys).join(', ') : 'none'} |`,
  ];
  if (a.dependentActions.length) lines.push(`| Also needs | ${a.dependentActions.map(code).join(', ')} |`);
  if (!a.keyScoped) {
    lines.push('', `⚠ ${a.fullName} is not about an existing key, so granting it in a key policy has no effect. Grant it in an IAM policy.`);
  }
  lines.push('', `[AWS API reference](${a.docUrl})`);
  return lines.join('\n');
}

/** Hover text for any value in an Action or NotAction element. */
export function actionValueMarkdown(value: string): string {
  const { service, name } = splitAction(value);
  if (value === '*' || (service.toLowerCase() === 'kms' && name === '*')) {
    const all = expandAction('kms:*');
    return [
      `**${code(value)} grants every KMS action: key administration and data access at once.**`,
      '',
      `That includes ${code('kms:PutKeyPolicy')} and ${code('kms:ScheduleKeyDeletion')} (administer-resource) as well as ${code('kms:Decrypt')} and ${code('kms:Encrypt')} (read-data, write-data): ${all.length} actions in all. ` +
        'Give each principal only the capabilities it needs.',
      '',
      capabilityCounts(all),
    ].join('\n');
  }
  if (service === '' && !isWildcard(value)) return `${code(value)} is not an action: write it as ${code('kms:' + value)}.`;
  const matched = expandAction(value);
  if (service.toLowerCase() !== 'kms' && matched.length === 0) {
    return `${code(value)} is not a KMS action. A key policy only controls KMS actions on this key.`;
  }
  if (isWildcard(value)) {
    if (matched.length === 0) return `${code(value)} matches no KMS action.`;
    const caps = capabilitiesOf(matched);
    return [
      `**${code(value)}** matches ${matched.length} action${matched.length === 1 ? '' : 's'}${caps.length > 1 ? `, spanning ${caps.map(code).join(', ')}` : ` (${code(caps[0])})`}:`,
      '',
      '| Action | Capability | Access level |',
      '|---|---|---|',
      ...matched.map((a) => `| ${a.fullName} | ${a.capability} | ${a.accessLevel} |`),
    ].join('\n');
  }
  const action = findAction(name);
  if (action) return actionMarkdown(action);
  const guess = suggestAction(value);
  return `${code(value)} is not a known KMS action.${guess ? ` Did you mean ${code(guess.fullName)}?` : ''}`;
}

function capabilityCounts(actions: readonly KmsAction[]): string {
  return capabilitiesOf(actions)
    .map((c) => `- ${code(c)}: ${actions.filter((a) => a.capability === c).length} actions`)
    .join('\n');
}

export function conditionKeyMarkdown(keyText: string, key: ConditionKey | undefined = findConditionKey(keyText)): string {
  if (!key) {
    if (/^kms:/i.test(keyText)) return `${code(keyText)} is not a known KMS condition key.`;
    if (/^aws:/i.test(keyText)) return `${code(keyText)}: a global condition key this tool has no details for.`;
    return `${code(keyText)}: not a KMS or global condition key.`;
  }
  const lines = [`**${key.key}** (${key.type})`, ''];
  if (key.description) lines.push(key.description, '');
  if (key.global) lines.push('Global condition key: present on requests to any service.');
  return lines.join('\n').trim();
}

export function operatorMarkdown(text: string): string {
  const parsed = parseOperator(text);
  return parsed ? describeOperator(parsed) : `${code(text)} is not a condition operator.`;
}
