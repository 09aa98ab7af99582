/** Small helpers shared by rules. */
import type { ScalarValue, Span, Statement, ValueList } from '../policy/model';

/** Where to point at a statement as a whole without underlining all of it: its Sid, else its Effect, else its opening brace. */
export function statementHead(s: Statement): Span {
  return s.sid?.span ?? s.effect?.span ?? { start: s.span.start, end: s.span.start + 1 };
}

/** `Statement "Sid"` or `Statement 3` for messages. */
export function statementName(s: Statement): string {
  return s.sid?.literal && s.sid.value ? `statement "${s.sid.value}"` : `statement ${s.index + 1}`;
}

export function keySpan(s: Statement, name: string): Span | undefined {
  let found: Span | undefined;
  for (const p of s.properties) if (p.name === name) found = p.keySpan;
  return found;
}

/** The values written as JSON strings. Usually all of them: then the list itself, not a copy. */
export function stringItems(list: ValueList | undefined): readonly ScalarValue[] {
  if (!list) return [];
  return list.items.every((i) => i.literal) ? list.items : list.items.filter((i) => i.literal);
}

export function isAllow(s: Statement): boolean {
  return s.effect?.value === 'Allow';
}

export function isDeny(s: Statement): boolean {
  return s.effect?.value === 'Deny';
}

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 byte length without Buffer or TextEncoder (core has no platform APIs). */
export function utf8Length(text: string): number {
  // Policies are almost always ASCII: one native search finds the first other character, and
  // only the rest is counted by hand.
  const first = text.search(NON_ASCII);
  if (first < 0) return text.length;
  let bytes = first;
  for (let i = first; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
