import type { ValueList } from '../policy/model';
import { spanOf } from '../policy/parse';
import type { Rule, RuleFinding } from './types';
import { statementName } from './util';

/** The string-list elements, with their field in the model. */
const LISTS = [
  ['Action', 'action'],
  ['NotAction', 'notAction'],
  ['Resource', 'resource'],
  ['NotResource', 'notResource'],
] as const;

/** Values of the wrong JSON type where the grammar wants a string, a list of strings or an object. */
export const wrongType: Rule = {
  id: 'wrong-type',
  defaultSeverity: 'error',
  summary: 'A policy element has a value of the wrong type.',
  check(policy) {
    const out: RuleFinding[] = [];
    const expect = (span: { start: number; end: number }, what: string, wanted: string) =>
      out.push({ span, message: `${what} must be ${wanted}; AWS rejects the policy.` });

    for (const p of policy.properties) {
      if ((p.name === 'Version' || p.name === 'Id') && p.valueType && p.valueType !== 'string' && p.valueSpan) expect(p.valueSpan, `"${p.name}"`, 'a string');
      if (p.name === 'Statement' && p.valueType !== 'array' && p.valueType !== 'object' && p.valueSpan) expect(p.valueSpan, '"Statement"', 'an array of statement objects');
    }
    const statementNode = policy.root?.children?.find((c) => c.children?.[0]?.value === 'Statement')?.children?.[1];
    if (statementNode?.type === 'array') {
      for (const child of statementNode.children ?? []) if (child.type !== 'object') expect(spanOf(child), 'Each statement', 'an object');
    }
    for (const s of policy.statements) {
      // Named only when there is something to report: most statements have nothing.
      const name = () => statementName(s);
      for (const p of s.properties) {
        if (!p.valueSpan) continue;
        if ((p.name === 'Sid' || p.name === 'Effect') && p.valueType !== 'string') expect(p.valueSpan, `"${p.name}" in ${name()}`, 'a string');
        if (p.name === 'Condition' && p.valueType !== 'object') expect(p.valueSpan, `"Condition" in ${name()}`, 'an object of operators');
      }
      for (const [el, field] of LISTS) listTypes(s[field], () => `"${el}" in ${name()}`, out);
      for (const principal of [s.principal, s.notPrincipal]) {
        if (!principal) continue;
        if (principal.wrongType) expect(principal.span, `The principal in ${name()}`, '"*" or an object such as {"AWS": [...]}');
        for (const e of principal.entries) listTypes(e.values, () => `"${e.type}" in ${name()}`, out);
      }
      for (const op of s.condition?.notObjects ?? []) expect(op.span, `Condition operator "${op.operator}"`, 'an object of condition keys');
      for (const c of s.condition?.clauses ?? []) {
        for (const w of c.values.wrongTypes) expect(w, `The value of "${c.key.value}"`, 'a string, a boolean, a number, or a list of them');
      }
    }
    return out;
  },
};


function listTypes(list: ValueList | undefined, what: () => string, out: RuleFinding[]): void {
  if (!list) return;
  for (const i of list.items) if (!i.literal) out.push({ span: i.span, message: `${what()} must hold strings, not ${i.value}; AWS rejects the policy. Quote it.` });
  for (const w of list.wrongTypes) out.push({ span: w, message: `${what()} must be a string or a list of strings; AWS rejects the policy.` });
}
