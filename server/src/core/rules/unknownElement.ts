import { POLICY_ELEMENTS, STATEMENT_ELEMENTS } from '../policy/grammar';
import type { PropertyInfo } from '../policy/model';
import type { Rule, RuleFinding } from './types';
import { capitalize, keySpan, statementName } from './util';

const TOP = new Map(POLICY_ELEMENTS.map((e) => [e.name.toLowerCase(), e.name]));
const STATEMENT = new Map(STATEMENT_ELEMENTS.map((e) => [e.name.toLowerCase(), e.name]));

function unknown(properties: readonly PropertyInfo[], known: Map<string, string>, where: string, out: RuleFinding[]): void {
  for (const p of properties) {
    const proper = known.get(p.name.toLowerCase());
    if (proper === p.name) continue;
    out.push({
      span: p.keySpan,
      message: proper
        ? `"${p.name}" must be written "${proper}" (element names are case-sensitive); AWS rejects the policy.`
        : `"${p.name}" is not an element of ${where}; AWS rejects the policy. Known elements: ${[...known.values()].join(', ')}.`,
      data: proper ? { replacement: proper } : undefined,
    });
  }
}

export const unknownElement: Rule = {
  id: 'unknown-element',
  defaultSeverity: 'error',
  summary: 'An element the policy language does not have, or two elements that exclude each other.',
  check(policy) {
    const out: RuleFinding[] = [];
    if (policy.root?.type === 'object') unknown(policy.properties, TOP, 'a policy', out);
    for (const s of policy.statements) {
      unknown(s.properties, STATEMENT, 'a statement', out);
      for (const [a, b] of [['Principal', 'NotPrincipal'], ['Action', 'NotAction'], ['Resource', 'NotResource']] as const) {
        const second = keySpan(s, b);
        if (second && keySpan(s, a)) out.push({ span: second, message: `${capitalize(statementName(s))} has both "${a}" and "${b}"; AWS rejects the policy. Keep one.` });
      }
    }
    return out;
  },
};
