/**
 * Hover in domain specs: a capability shows its meaning and the exact actions it grants; a
 * principal shows its resolved ARN and every capability it holds in this spec; fields, styles
 * and services explain themselves.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver-types';
import { actionsOfCapability, CAPABILITIES, CAPABILITY_INFO, type Capability } from '../core/catalog/catalog';
import { hitAt, type DomainSpec } from '../core/spec/model';
import { checkPrincipal, looksLikeArn } from '../core/principal/check';
import { resolveSpec, type ResolvedSpec } from '../core/spec/resolve';
import { DOMAIN_SCHEMA, STYLE_DESCRIPTIONS } from '../core/spec/schema';
import { findService, viaServiceValue } from '../core/spec/services';
import { GRANT_ACTIONS } from '../core/spec/generate';

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

/** A capability: its meaning and the exact actions it grants (with the ones no key policy can scope). */
export function capabilityMarkdown(c: Capability): string {
  const actions = actionsOfCapability(c);
  const scoped = actions.filter((a) => a.keyScoped);
  const unscoped = actions.filter((a) => !a.keyScoped);
  const lines = [`**${c}** — ${CAPABILITY_INFO[c].title}`, '', CAPABILITY_INFO[c].meaning, '', `Grants ${actions.length} actions: ${scoped.map((a) => code(a.fullName)).join(', ')}`];
  if (unscoped.length) lines.push('', `Also listed, though no key policy can scope them to this key: ${unscoped.map((a) => code(a.fullName)).join(', ')}`);
  return lines.join('\n');
}

type Props = Record<string, { description?: string }>;
const TOP = DOMAIN_SCHEMA.properties as unknown as Props;
const KEY = DOMAIN_SCHEMA.properties.key.properties as unknown as Props;

function arnOf(value: string, r: ResolvedSpec): string | undefined {
  const named = r.arnOfName.get(value);
  if (named) return named;
  if (!looksLikeArn(value)) return undefined;
  const c = checkPrincipal(value, r.account, r.partition);
  return c.ok ? c.arn : undefined;
}

/** A principal: its ARN, and what it holds in this spec. */
export function principalMarkdown(spec: DomainSpec, value: string): string | undefined {
  const { resolved: r } = resolveSpec(spec);
  const arn = arnOf(value, r);
  const defined = spec.principals.find((p) => p.name === value);
  if (!arn) {
    if (defined) return `**${value}**: ${code(defined.value?.value ?? '')} is not a valid principal ARN.`;
    return undefined;
  }
  const name = r.nameOfArn.get(arn);
  const caps = r.assignment.get(arn);
  const lines = [`**${name ?? value}** — ${code(arn)}`, ''];
  if (caps && caps.size) {
    lines.push('Holds in this spec:');
    for (const c of CAPABILITIES) {
      if (!caps.has(c)) continue;
      const through = (c === 'read-data' || c === 'write-data') && r.services.length ? ` (only through ${r.services.join(', ')})` : '';
      lines.push(`- ${code(c)}: ${CAPABILITY_INFO[c].meaning}${through}`);
    }
  } else lines.push('Holds no capability in this spec.');
  if (r.grants.includes(arn)) lines.push(`- grants for AWS resources: ${GRANT_ACTIONS.map(code).join(', ')} with ${code('kms:GrantIsForAWSResource')} true`);
  const missing = CAPABILITIES.filter((c) => !caps?.has(c));
  if (caps?.size && missing.length) lines.push('', `Nothing else: not ${missing.join(', ')}.`);
  return lines.join('\n');
}

export function doSpecHover(document: TextDocument, position: Position, spec: DomainSpec): Hover | null {
  const offset = document.offsetAt(position);
  const hit = hitAt(spec.root, offset);
  if (!hit) return null;
  const path = hit.path;
  let markdown: string | undefined;
  let span = hit.entry?.keySpan ?? hit.node?.span;
  if (hit.entry) {
    // On a key.
    const key = hit.entry.key;
    if (path.length === 1) markdown = TOP[key]?.description && `**${key}** — ${TOP[key].description}`;
    else if (path.length === 2 && path[0] === 'key') markdown = KEY[key]?.description && `**key.${key}** — ${KEY[key].description}`;
    else if (path.length === 2 && path[0] === 'access' && (CAPABILITIES as readonly string[]).includes(key)) markdown = capabilityMarkdown(key as Capability);
    else if (path.length === 2 && path[0] === 'principals') markdown = principalMarkdown(spec, key);
  } else if (hit.node?.kind === 'scalar') {
    const value = hit.node.text;
    span = hit.node.span;
    const top = path[0];
    if ((top === 'access' && path.length === 3) || (top === 'grantsForAWSResources' && path.length === 2)) markdown = principalMarkdown(spec, value);
    else if (top === 'access' && path.length === 2) markdown = principalMarkdown(spec, value); // a single string for a list
    else if (top === 'principals' && path.length === 2) markdown = principalMarkdown(spec, String(path[1]));
    else if (top === 'key' && path[1] === 'style') markdown = STYLE_DESCRIPTIONS[value] && `**${value}** — ${STYLE_DESCRIPTIONS[value]}`;
    else if (top === 'services' && path.length === 2) {
      const { resolved } = resolveSpec(spec);
      const info = findService(value);
      const region = spec.region?.type === 'string' ? spec.region.value : undefined;
      markdown = `**${value}**${info ? ` — ${info.title}` : ''}\n\nread-data and write-data only through it: ${code(`kms:ViaService`)} ${code(viaServiceValue(value, region, resolved.partition))}`;
    }
  }
  if (!markdown || !span) return null;
  return { contents: { kind: MarkupKind.Markdown, value: markdown }, range: { start: document.positionAt(span.start), end: document.positionAt(span.end) } };
}
