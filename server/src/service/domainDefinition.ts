/**
 * Go to definition: from a principal ARN in a key policy to its entry in the governing spec(s);
 * in a spec, from a principal name to its definition under principals, and from key.policy to
 * the policy file.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Location, Position } from 'vscode-languageserver-types';
import type { GoverningSpec } from '../core/spec/drift';
import { hitAt, type DomainSpec } from '../core/spec/model';
import { checkPrincipal, looksLikeArn } from '../core/principal/check';
import { resolveSpec } from '../core/spec/resolve';
import { resolveUri } from '../core/spec/workspace';
import type { PolicyDocument, ScalarValue, Span } from '../core/policy/model';

function location(uri: string, spec: DomainSpec, span: Span): Location {
  const doc = TextDocument.create(uri, spec.format, 0, spec.text);
  return { uri, range: { start: doc.positionAt(span.start), end: doc.positionAt(span.end) } };
}

/** Principal values a policy writes: Principal/NotPrincipal values and principal condition values. */
function principalScalars(policy: PolicyDocument): ScalarValue[] {
  const out: ScalarValue[] = [];
  for (const s of policy.statements) {
    for (const p of [s.principal, s.notPrincipal]) {
      if (p?.bare) out.push(p.bare);
      for (const e of p?.entries ?? []) out.push(...e.values.items);
    }
    for (const c of s.condition?.clauses ?? []) if (c.key.value.toLowerCase() === 'aws:principalarn') out.push(...c.values.items);
  }
  return out;
}

/** Where each governing spec defines the principal at the cursor (its `name: arn` entry, or an ARN written under access). */
export function policyDefinition(document: TextDocument, position: Position, policy: PolicyDocument, governing: readonly GoverningSpec[]): Location[] {
  const offset = document.offsetAt(position);
  const at = principalScalars(policy).find((v) => v.span.start <= offset && offset <= v.span.end);
  if (!at) return [];
  const arn = at.value;
  const out: Location[] = [];
  for (const g of governing) {
    const { resolved } = resolveSpec(g.spec);
    const name = resolved.nameOfArn.get(arn);
    const definition = name ? g.spec.principals.find((p) => p.name === name) : undefined;
    if (definition) {
      out.push(location(g.uri, g.spec, definition.span));
      continue;
    }
    // Written directly under access or grantsForAWSResources.
    const items = [...g.spec.access.flatMap((a) => a.principals), ...g.spec.grantsForAWSResources];
    const direct = items.find((i) => looksLikeArn(i.value) && (() => {
      const c = checkPrincipal(i.value, resolved.account, resolved.partition);
      return c.ok && c.arn === arn;
    })());
    if (direct) out.push(location(g.uri, g.spec, direct.span));
  }
  return out;
}

/** In a spec: a principal name -> its definition; key.policy -> the policy file. */
export function specDefinition(document: TextDocument, position: Position, spec: DomainSpec): Location[] {
  const hit = hitAt(spec.root, document.offsetAt(position));
  if (!hit || hit.entry || hit.node?.kind !== 'scalar') return [];
  const value = hit.node.text;
  const [top, second] = hit.path;
  if ((top === 'access' && hit.path.length >= 2) || top === 'grantsForAWSResources') {
    const definition = spec.principals.find((p) => p.name === value);
    return definition ? [{ uri: document.uri, range: { start: document.positionAt(definition.span.start), end: document.positionAt(definition.span.end) } }] : [];
  }
  if (top === 'key' && second === 'policy') {
    const ref = resolveSpec(spec).resolved.policy;
    if (!ref?.path) return [];
    return [{ uri: resolveUri(document.uri, ref.path), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
  }
  return [];
}
