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

export function stringItems(list: ValueList | undefined): readonly ScalarValue[] {
  return list ? list.items.filter((i) => i.literal) : [];
}

export function isAllow(s: Statement): boolean {
  return s.effect?.value === 'Allow';
}

export function isDeny(s: Statement): boolean {
  return s.effect?.value === 'Deny';
}

/** UTF-8 byte length without Buffer or TextEncoder (core has no platform APIs). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
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
