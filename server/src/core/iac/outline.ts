/** Document symbols of an IaC file: each key with its statements, and k9 modules with their inputs. Plain data. */
import type { Statement } from '../policy/model';
import type { IacDocument, IacSymbol } from './types';

function statementSymbol(s: Statement): IacSymbol {
  const name = s.sid?.literal && s.sid.value ? s.sid.value : `Statement ${s.index + 1}`;
  const actions = s.action?.items.length ?? s.notAction?.items.length ?? 0;
  const detail = [s.effect?.value, actions ? `${actions} action${actions === 1 ? '' : 's'}` : undefined].filter(Boolean).join(' · ');
  const selection = s.sid?.span ?? { start: s.span.start, end: Math.min(s.span.end, s.span.start + 1) };
  return { name, detail, kind: 'statement', span: s.span, selectionSpan: selection, children: [] };
}

export function iacOutline(iac: IacDocument): IacSymbol[] {
  const out: IacSymbol[] = [];
  for (const p of iac.policies) {
    const e = p.embedded;
    if (!e) continue;
    const where = e.document ? ` (${e.document})` : '';
    out.push({
      name: e.resource,
      detail: `${e.resourceType} key policy${where}`,
      kind: 'key',
      span: e.resourceFullSpan.start <= e.span.start && e.span.end <= e.resourceFullSpan.end ? e.resourceFullSpan : { start: Math.min(e.resourceFullSpan.start, e.span.start), end: Math.max(e.resourceFullSpan.end, e.span.end) },
      selectionSpan: e.resourceSpan,
      children: p.statements.filter((s) => s.span.end > s.span.start).map(statementSymbol),
    });
  }
  for (const m of iac.modules) {
    out.push({
      name: `module.${m.name}`,
      detail: 'k9 KMS key module',
      kind: 'module',
      span: m.span,
      selectionSpan: m.nameSpan,
      children: m.inputs.filter((i) => i.capability).map((i) => ({
        name: i.name,
        detail: `${i.capability}: ${i.principals.length} principal${i.principals.length === 1 ? '' : 's'}`,
        kind: 'input' as const,
        span: { start: i.nameSpan.start, end: i.valueSpan.end },
        selectionSpan: i.nameSpan,
        children: [],
      })),
    });
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}
