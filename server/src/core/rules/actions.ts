/** Rules about the values of Action and NotAction. */
import { actionsOfCapability, expandAction, findAction, isWildcard, splitAction, suggestAction, wildcardRegExp } from '../catalog/catalog';
import type { ScalarValue, Statement } from '../policy/model';
import type { Rule, RuleFinding } from './types';
import { statementName, stringItems } from './util';

function actionValues(s: Statement): readonly ScalarValue[] {
  return [...stringItems(s.action), ...stringItems(s.notAction)];
}

function isKmsService(service: string): boolean {
  return service.toLowerCase() === 'kms' || (isWildcard(service) && wildcardRegExp(service).test('kms'));
}

/** Did-you-mean per distinct value: a policy that repeats one typo 10,000 times asks once. */
const suggestions = new Map<string, ReturnType<typeof suggestAction>>();
function suggestionFor(value: string): ReturnType<typeof suggestAction> {
  if (!suggestions.has(value)) {
    if (suggestions.size > 5000) suggestions.clear();
    suggestions.set(value, suggestAction(value));
  }
  return suggestions.get(value);
}

export const unknownAction: Rule = {
  id: 'unknown-action',
  defaultSeverity: 'error',
  summary: 'A kms: action that does not exist.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const v of actionValues(s)) {
        const { service, name } = splitAction(v.value);
        if (service.toLowerCase() !== 'kms' || isWildcard(name) || findAction(name)) continue;
        const guess = suggestionFor(v.value);
        out.push({
          span: v.span,
          message: `"${v.value}" is not a KMS action, so this grants or denies nothing.${guess ? ` Did you mean "${guess.fullName}"?` : ''}`,
          data: guess ? { replacement: guess.fullName } : undefined,
        });
      }
      // An action without a service prefix is not an action at all.
      for (const v of actionValues(s)) {
        if (v.value !== '*' && !v.value.includes(':')) {
          const a = findAction(v.value);
          out.push({
            span: v.span,
            message: `"${v.value}" has no service prefix; AWS rejects it.${a ? ` Write "${a.fullName}".` : ' Actions look like "kms:Decrypt".'}`,
            data: a ? { replacement: a.fullName } : undefined,
          });
        }
      }
    }
    return out;
  },
};

export const wildcardMatchesNothing: Rule = {
  id: 'wildcard-matches-nothing',
  defaultSeverity: 'warning',
  summary: 'A KMS action wildcard that matches no action.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const v of actionValues(s)) {
        const { service, name } = splitAction(v.value);
        if (!isKmsService(service) || !isWildcard(v.value) || expandAction(v.value).length > 0) continue;
        out.push({ span: v.span, message: `"${v.value}" matches no KMS action, so it grants or denies nothing. Check the spelling of "${name}".` });
      }
    }
    return out;
  },
};

export const nonKmsAction: Rule = {
  id: 'non-kms-action',
  defaultSeverity: 'warning',
  summary: 'A non-KMS action in a key policy, where it has no effect.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const v of actionValues(s)) {
        const { service } = splitAction(v.value);
        if (!v.value.includes(':') || isKmsService(service)) continue;
        out.push({ span: v.span, message: `"${v.value}" is not a KMS action; a key policy only controls KMS actions on this key, so it has no effect here. Move it to an IAM or resource policy of ${service || 'its service'}.` });
      }
    }
    return out;
  },
};

/**
 * Actions that cannot be scoped to a key (CreateKey, ListKeys, GenerateRandom, custom key
 * store actions...) do nothing in a key policy. Capability statements in k9's form list them
 * for completeness, so they are only reported where they are named on their own: not in a
 * statement that names at least half of that capability's actions.
 */
export const notKeyPolicyAction: Rule = {
  id: 'not-key-policy-action',
  defaultSeverity: 'warning',
  summary: 'An action that cannot apply to a key, so it does nothing in a key policy.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      const named = new Set(stringItems(s.action).filter((v) => !isWildcard(v.value)).map((v) => findAction(v.value)?.name));
      for (const v of stringItems(s.action)) {
        if (isWildcard(v.value)) continue;
        const a = findAction(v.value);
        if (!a || a.keyScoped || splitAction(v.value).service.toLowerCase() !== 'kms') continue;
        const capability = actionsOfCapability(a.capability);
        if (capability.filter((x) => named.has(x.name)).length * 2 >= capability.length) continue;
        out.push({ span: v.span, message: `${a.fullName} is not about an existing key, so granting it in a key policy does nothing. Grant it in an IAM policy instead.` });
      }
    }
    return out;
  },
};

export const duplicateAction: Rule = {
  id: 'duplicate-action',
  defaultSeverity: 'warning',
  summary: 'The same action is listed twice in one statement.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const list of [s.action, s.notAction]) {
        const first = new Map<string, ScalarValue>();
        for (const v of stringItems(list)) {
          const key = v.value.toLowerCase();
          const earlier = first.get(key);
          if (earlier) out.push({ span: v.span, message: `"${v.value}" is already listed in ${statementName(s)}. Remove the duplicate.`, related: [{ span: earlier.span, message: 'first listed here' }] });
          else first.set(key, v);
        }
      }
    }
    return out;
  },
};
