/** Rules about the values of Action and NotAction. */
import { actionsOfCapability, expandAction, findAction, isWildcard, splitAction, suggestAction, wildcardRegExp, type KmsAction } from '../catalog/catalog';
import type { ScalarValue, Statement } from '../policy/model';
import type { Rule, RuleFinding } from './types';
import { statementName, stringItems } from './util';
import { BoundedMemo } from '../util/memo';

/** The literal Action and NotAction values of a statement, in order, without building a list. */
function forEachActionValue(s: Statement, visit: (v: ScalarValue) => void): void {
  for (const list of [s.action, s.notAction]) if (list) for (const v of list.items) if (v.literal) visit(v);
}

function isKmsService(service: string): boolean {
  return service.toLowerCase() === 'kms' || (isWildcard(service) && wildcardRegExp(service).test('kms'));
}

/** What the action rules ask about one Action value. */
interface ActionFacts {
  readonly service: string;
  readonly name: string;
  /** The service is `kms`, in any case. */
  readonly kms: boolean;
  /** The service is `kms` or a wildcard that matches it. */
  readonly kmsService: boolean;
  readonly wildcard: boolean;
  readonly nameIsWildcard: boolean;
  /** findAction of the whole value, and of the name alone. */
  readonly action: KmsAction | undefined;
  readonly actionByName: KmsAction | undefined;
}

/**
 * Facts per distinct value, worked out once: a policy repeats a few dozen values across all its
 * statements, and five rules ask about each. Did-you-mean is computed separately, only for typos.
 */
const factsByValue = new BoundedMemo<string, ActionFacts>('actions.facts', 5000, (value) => {
  const { service, name } = splitAction(value);
  return {
    service,
    name,
    kms: service.toLowerCase() === 'kms',
    kmsService: isKmsService(service),
    wildcard: isWildcard(value),
    nameIsWildcard: isWildcard(name),
    action: findAction(value),
    actionByName: findAction(name),
  };
});
function factsOf(value: string): ActionFacts {
  return factsByValue.get(value);
}

/** Did-you-mean per distinct value: a policy that repeats one typo 10,000 times asks once. */
const suggestions = new BoundedMemo<string, ReturnType<typeof suggestAction>>('actions.suggestAction', 5000, suggestAction);
function suggestionFor(value: string): ReturnType<typeof suggestAction> {
  return suggestions.get(value);
}

export const unknownAction: Rule = {
  id: 'unknown-action',
  defaultSeverity: 'error',
  summary: 'A kms: action that does not exist.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      forEachActionValue(s, (v) => {
        const f = factsOf(v.value);
        if (!f.kms || f.nameIsWildcard || f.actionByName) return;
        const guess = suggestionFor(v.value);
        out.push({
          span: v.span,
          message: `"${v.value}" is not a KMS action, so this grants or denies nothing.${guess ? ` Did you mean "${guess.fullName}"?` : ''}`,
          data: guess ? { replacement: guess.fullName } : undefined,
        });
      });
      // An action without a service prefix is not an action at all.
      forEachActionValue(s, (v) => {
        if (v.value !== '*' && !v.value.includes(':')) {
          const a = factsOf(v.value).action;
          out.push({
            span: v.span,
            message: `"${v.value}" has no service prefix; AWS rejects it.${a ? ` Write "${a.fullName}".` : ' Actions look like "kms:Decrypt".'}`,
            data: a ? { replacement: a.fullName } : undefined,
          });
        }
      });
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
      forEachActionValue(s, (v) => {
        const f = factsOf(v.value);
        if (!f.kmsService || !f.wildcard || expandAction(v.value).length > 0) return;
        out.push({ span: v.span, message: `"${v.value}" matches no KMS action, so it grants or denies nothing. Check the spelling of "${f.name}".` });
      });
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
      forEachActionValue(s, (v) => {
        const { service, kmsService } = factsOf(v.value);
        if (!v.value.includes(':') || kmsService) return;
        out.push({ span: v.span, message: `"${v.value}" is not a KMS action; a key policy only controls KMS actions on this key, so it has no effect here. Move it to an IAM or resource policy of ${service || 'its service'}.` });
      });
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
      // Only statements that name an action no key can scope have anything to report.
      const candidates = stringItems(s.action).filter((v) => {
        const f = factsOf(v.value);
        return !f.wildcard && f.action !== undefined && !f.action.keyScoped && f.kms;
      });
      if (candidates.length === 0) continue;
      const named = new Set(stringItems(s.action).filter((v) => !factsOf(v.value).wildcard).map((v) => factsOf(v.value).action?.name));
      for (const v of candidates) {
        const a = factsOf(v.value).action!;
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
