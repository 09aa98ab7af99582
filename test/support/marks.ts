/** `⟦` and `⟧` mark expected ranges in test text; they are removed before the text is used. */
export function unmark(marked: string): { text: string; spans: { start: number; end: number }[] } {
  const spans: { start: number; end: number }[] = [];
  let text = '';
  const open: number[] = [];
  for (const ch of marked) {
    if (ch === '⟦') open.push(text.length);
    else if (ch === '⟧') spans.push({ start: open.pop()!, end: text.length });
    else text += ch;
  }
  return { text, spans: spans.sort((a, b) => a.start - b.start) };
}
