/**
 * An error-tolerant parser for HCL native syntax (Terraform `.tf` files) with source offsets.
 *
 * Recursive descent over the grammar of hashicorp/hcl's hclsyntax spec: bodies of attributes and
 * blocks; expressions with operators, conditionals, `for` expressions, splats, function calls,
 * traversals; quoted templates and heredocs with `${}` interpolations and `%{}` directives;
 * `#`, `//` and block comments. On an error it records a message with a span and resynchronizes
 * at the next line or closing brace, so one half-typed block does not hide the rest of the file.
 * Synchronous, pure, no dependencies: the core runs it in the CLI, the server and the tests alike.
 */
import type { Span } from '../policy/model';

export interface HclError {
  readonly span: Span;
  readonly message: string;
}

export interface HclAttribute {
  readonly kind: 'attribute';
  readonly name: string;
  readonly nameSpan: Span;
  /** Offset of `=`. */
  readonly equals: number;
  /** Undefined when the value is missing (`policy = ` at the end of a half-typed line). */
  readonly expr: HclExpr | undefined;
  readonly span: Span;
}

export interface HclBlock {
  readonly kind: 'block';
  readonly type: string;
  readonly typeSpan: Span;
  readonly labels: readonly { readonly value: string; readonly span: Span }[];
  readonly body: HclBody;
  /** Offset of `{`. */
  readonly open: number;
  /** Offset of `}`; undefined when the block is not closed. */
  readonly close: number | undefined;
  readonly span: Span;
}

/** A line the parser could not read as an attribute or a block (kept so that completion sees what is being typed). */
export interface HclJunk {
  readonly kind: 'junk';
  readonly text: string;
  readonly span: Span;
}

export interface HclBody {
  readonly items: readonly (HclAttribute | HclBlock | HclJunk)[];
  readonly span: Span;
}

export type TemplatePart =
  | { readonly kind: 'literal'; readonly value: string; readonly span: Span }
  | { readonly kind: 'interpolation'; readonly expr: HclExpr | undefined; readonly span: Span }
  | { readonly kind: 'directive'; readonly span: Span };

export interface HclObjectItem {
  readonly key: HclExpr;
  /** Offset of `=` or `:`; undefined for a key still being typed. */
  readonly separator: number | undefined;
  readonly value: HclExpr | undefined;
  readonly span: Span;
}

export type HclExpr =
  | { readonly kind: 'literal'; readonly value: number | boolean | null; readonly span: Span }
  | { readonly kind: 'template'; readonly parts: readonly TemplatePart[]; readonly span: Span; readonly closed: boolean }
  | {
      readonly kind: 'heredoc';
      readonly marker: string;
      readonly indented: boolean;
      readonly parts: readonly TemplatePart[];
      /** The lines between the opening line and the closing marker. */
      readonly body: Span;
      readonly closed: boolean;
      readonly span: Span;
    }
  | { readonly kind: 'tuple'; readonly items: readonly HclExpr[]; readonly span: Span; readonly closed: boolean }
  | { readonly kind: 'object'; readonly items: readonly HclObjectItem[]; readonly span: Span; readonly closed: boolean }
  | { readonly kind: 'call'; readonly name: string; readonly nameSpan: Span; readonly args: readonly HclExpr[]; readonly span: Span; readonly closed: boolean }
  /** `var.x`, `aws_iam_role.ci.arn`, `local.list[0]`: a root name and attribute or index steps. */
  | { readonly kind: 'traversal'; readonly root: string; readonly steps: readonly (string | number)[]; readonly span: Span; readonly simple: boolean }
  /** Operators, conditionals, `for` expressions, parentheses, splats: analyzed no further. */
  | { readonly kind: 'other'; readonly children: readonly HclExpr[]; readonly span: Span };

export interface HclFile {
  readonly body: HclBody;
  readonly errors: readonly HclError[];
}

const MAX_NESTING = 200;

export function parseHcl(text: string): HclFile {
  const p = new Parser(text);
  const body = p.body(false);
  return { body, errors: p.errors };
}

/** Parses one expression (a template interpolation's text, for example). */
export function parseHclExpression(text: string): { expr: HclExpr | undefined; errors: readonly HclError[] } {
  const p = new Parser(text);
  p.ws(true);
  const expr = p.expression(true);
  p.ws(true);
  if (p.pos < text.length) p.error(p.pos, text.length, 'Unexpected text after the expression.');
  return { expr, errors: p.errors };
}

/** `aws_iam_role.ci.arn` for a traversal; undefined for other expressions. */
export function traversalText(e: HclExpr | undefined): string | undefined {
  if (e?.kind !== 'traversal') return undefined;
  return [e.root, ...e.steps.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))].join('').replace(/\.\[/g, '[');
}

const BINARY: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

function isIdStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\u007f';
}

function isIdChar(c: string): boolean {
  return isIdStart(c) || (c >= '0' && c <= '9') || c === '-';
}

class Parser {
  pos = 0;
  readonly errors: HclError[] = [];
  private depth = 0;

  constructor(readonly text: string) {}

  error(start: number, end: number, message: string): void {
    const last = this.errors[this.errors.length - 1];
    if (last && last.span.start === start) return; // one error per place
    this.errors.push({ span: { start, end: Math.max(end, start + (start < this.text.length ? 1 : 0)) }, message });
  }

  private ch(): string {
    return this.text[this.pos] ?? '';
  }

  private at(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /** Skips spaces and comments; newlines too when `newlines`. Returns true if a newline was skipped. */
  ws(newlines: boolean): boolean {
    let sawNewline = false;
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\ufeff') this.pos++;
      else if (c === '\n') {
        if (!newlines) break;
        sawNewline = true;
        this.pos++;
      } else if (c === '#' || (c === '/' && t[this.pos + 1] === '/')) {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && t[this.pos + 1] === '*') {
        const end = t.indexOf('*/', this.pos + 2);
        if (end < 0) {
          this.error(this.pos, this.pos + 2, 'Unclosed comment: "/*" has no "*/".');
          this.pos = t.length;
        } else {
          if (t.slice(this.pos, end).includes('\n')) sawNewline = true;
          if (!newlines && t.slice(this.pos, end).includes('\n')) {
            this.pos = end + 2;
            return true;
          }
          this.pos = end + 2;
        }
      } else break;
    }
    return sawNewline;
  }

  private identifier(): { value: string; span: Span } | undefined {
    if (!isIdStart(this.ch())) return undefined;
    const start = this.pos;
    while (this.pos < this.text.length && isIdChar(this.text[this.pos])) this.pos++;
    return { value: this.text.slice(start, this.pos), span: { start, end: this.pos } };
  }

  /**
   * At a top-level block (`resource "..."`, `module "..." {`) at the start of a line: where
   * unclosed brackets or blocks above it end, so a half-typed block does not swallow the file.
   */
  private atTopLevelBlock(): boolean {
    if (this.pos > 0 && this.text[this.pos - 1] !== '\n') return false;
    const m = /^(resource|data|module|variable|output|locals|provider|terraform|moved|import|check|removed)[ \t]*("|\{)/.exec(this.text.slice(this.pos, this.pos + 40));
    return m !== null;
  }

  /** Skips to the end of the line (or to a `}` that closes the enclosing block), stepping over strings and brackets. */
  private recover(inBlock: boolean): void {
    if (this.atTopLevelBlock()) return;
    let depth = 0;
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === '\n' && depth === 0) return;
      if (c === '\n' && this.pos + 1 < t.length) {
        this.pos++;
        if (this.atTopLevelBlock()) return;
        continue;
      }
      if (c === '"') {
        this.pos++;
        while (this.pos < t.length && t[this.pos] !== '"' && t[this.pos] !== '\n') this.pos += t[this.pos] === '\\' ? 2 : 1;
        this.pos++;
        continue;
      }
      if (c === '{' || c === '[' || c === '(') depth++;
      else if (c === '}' || c === ']' || c === ')') {
        if (depth === 0 && c === '}' && inBlock) return;
        depth = Math.max(0, depth - 1);
      }
      this.pos++;
    }
  }

  body(inBlock: boolean): HclBody {
    const start = this.pos;
    const items: (HclAttribute | HclBlock | HclJunk)[] = [];
    for (;;) {
      this.ws(true);
      if (this.pos >= this.text.length) break;
      if (inBlock && this.atTopLevelBlock()) break;
      if (this.ch() === '}') {
        if (inBlock) break;
        this.error(this.pos, this.pos + 1, 'Unexpected "}": no block is open here.');
        this.pos++;
        continue;
      }
      const itemStart = this.pos;
      const id = this.identifier();
      if (!id) {
        this.error(this.pos, this.pos + 1, `Expected an attribute name or a block type, not "${this.ch()}".`);
        this.recover(inBlock);
        if (this.pos === itemStart) this.pos++;
        items.push({ kind: 'junk', text: this.text.slice(itemStart, this.pos), span: { start: itemStart, end: this.pos } });
        continue;
      }
      this.ws(false);
      if (this.ch() === '=' && this.text[this.pos + 1] !== '=') {
        const equals = this.pos++;
        this.ws(false);
        let expr: HclExpr | undefined;
        if (this.ch() === '\n' || this.pos >= this.text.length || this.ch() === '}') {
          this.error(equals, equals + 1, `"${id.value} =" has no value.`);
        } else {
          expr = this.expression(false);
          this.ws(false);
          if (this.pos < this.text.length && this.ch() !== '\n' && this.ch() !== '}' && !this.atTopLevelBlock()) {
            this.error(this.pos, this.pos + 1, `Unexpected "${this.ch()}" after the value of "${id.value}"; an attribute ends at the end of its line.`);
            this.recover(inBlock);
          }
        }
        items.push({ kind: 'attribute', name: id.value, nameSpan: id.span, equals, expr, span: { start: itemStart, end: expr ? expr.span.end : equals + 1 } });
        continue;
      }
      const labels: { value: string; span: Span }[] = [];
      for (;;) {
        if (this.ch() === '"') {
          const t = this.quoted();
          labels.push({ value: templateText(t) ?? '', span: t.span });
        } else if (isIdStart(this.ch())) {
          const l = this.identifier()!;
          labels.push(l);
        } else break;
        this.ws(false);
      }
      if (this.ch() !== '{') {
        const what = labels.length ? `block "${id.value}"` : `"${id.value}"`;
        this.error(id.span.start, Math.max(this.pos, id.span.end), `Expected "=" or "{" after ${what}: an attribute needs "= value" and a block needs "{ ... }".`);
        this.recover(inBlock);
        items.push({ kind: 'junk', text: this.text.slice(itemStart, this.pos), span: { start: itemStart, end: this.pos } });
        continue;
      }
      const open = this.pos++;
      if (++this.depth > MAX_NESTING) {
        this.error(open, open + 1, 'Blocks are nested too deeply; not analyzed further.');
        this.pos = this.text.length;
        this.depth--;
        break;
      }
      const body = this.body(true);
      this.depth--;
      let close: number | undefined;
      if (this.ch() === '}') close = this.pos++;
      else this.error(id.span.start, open + 1, `Block "${[id.value, ...labels.map((l) => l.value)].join(' ')}" is not closed: "{" has no matching "}".`);
      items.push({ kind: 'block', type: id.value, typeSpan: id.span, labels, body, open, close, span: { start: itemStart, end: this.pos } });
    }
    return { items, span: { start, end: this.pos } };
  }

  // ---- expressions ------------------------------------------------------------------------

  /** `nl`: newlines may separate tokens (inside brackets). */
  expression(nl: boolean): HclExpr | undefined {
    if (++this.depth > MAX_NESTING) {
      this.error(this.pos, this.pos + 1, 'Expression nested too deeply; not analyzed further.');
      this.pos = this.text.length;
      this.depth--;
      return undefined;
    }
    try {
      const start = this.pos;
      const cond = this.binary(0, nl);
      if (!cond) return undefined;
      const save = this.pos;
      this.ws(nl);
      if (this.ch() !== '?') this.pos = save;
      else {
        this.pos++;
        this.ws(true);
        const a = this.expression(true);
        this.ws(true);
        if (this.ch() === ':') this.pos++;
        else this.error(this.pos, this.pos + 1, 'Expected ":" in the conditional expression.');
        this.ws(true);
        const b = this.expression(nl);
        return other(start, this.pos, [cond, a, b]);
      }
      return cond;
    } finally {
      this.depth--;
    }
  }

  private binaryOperator(): string | undefined {
    const two = this.text.slice(this.pos, this.pos + 2);
    if (two in BINARY) return two;
    const one = this.ch();
    if (one === '=' || one === '!') return undefined;
    if (one === '/' && (this.text[this.pos + 1] === '/' || this.text[this.pos + 1] === '*')) return undefined;
    return one in BINARY ? one : undefined;
  }

  private binary(minPrec: number, nl: boolean): HclExpr | undefined {
    const start = this.pos;
    let left = this.unary(nl);
    if (!left) return undefined;
    for (;;) {
      const save = this.pos;
      this.ws(nl);
      const op = this.binaryOperator();
      if (!op || BINARY[op] <= minPrec) {
        this.pos = save;
        return left;
      }
      this.pos += op.length;
      this.ws(true);
      const right = this.binary(BINARY[op], nl);
      if (!right) {
        this.error(this.pos, this.pos + 1, `Expected a value after "${op}".`);
        return other(start, this.pos, [left]);
      }
      left = other(start, this.pos, [left, right]);
    }
  }

  private unary(nl: boolean): HclExpr | undefined {
    if (this.ch() === '!' || (this.ch() === '-' && !/\d/.test(this.text[this.pos + 1] ?? ''))) {
      const start = this.pos++;
      this.ws(nl);
      const e = this.unary(nl);
      return other(start, this.pos, e ? [e] : []);
    }
    return this.postfix(nl);
  }

  private postfix(nl: boolean): HclExpr | undefined {
    let e = this.primary(nl);
    if (!e) return undefined;
    for (;;) {
      if (this.ch() === '.' && this.text[this.pos + 1] !== '.') {
        const dot = this.pos++;
        if (this.ch() === '*') {
          this.pos++;
          e = other(e.span.start, this.pos, [e]);
          continue;
        }
        const id = this.identifier();
        if (id) {
          e = step(e, id.value, this.pos);
          continue;
        }
        const num = /^\d+/.exec(this.text.slice(this.pos));
        if (num) {
          this.pos += num[0].length;
          e = step(e, Number(num[0]), this.pos);
          continue;
        }
        this.error(dot, dot + 1, 'Expected an attribute name after ".".');
        return e;
      }
      if (this.ch() === '[') {
        const open = this.pos++;
        this.ws(true);
        if (this.ch() === '*') {
          this.pos++;
          this.ws(true);
          if (this.ch() === ']') this.pos++;
          e = other(e.span.start, this.pos, [e]);
          continue;
        }
        const index = this.expression(true);
        this.ws(true);
        if (this.ch() === ']') this.pos++;
        else this.error(open, open + 1, 'Unclosed "[": expected "]".');
        e = index?.kind === 'literal' && typeof index.value === 'number' ? step(e, index.value, this.pos) : other(e.span.start, this.pos, index ? [e, index] : [e]);
        continue;
      }
      return e;
    }
  }

  private primary(nl: boolean): HclExpr | undefined {
    const start = this.pos;
    const c = this.ch();
    if (c === '"') return this.quoted();
    if (c === '<' && this.text[this.pos + 1] === '<') return this.heredoc();
    if (c === '[') return this.tuple();
    if (c === '{') return this.object();
    if (c === '(') {
      this.pos++;
      this.ws(true);
      const inner = this.expression(true);
      this.ws(true);
      if (this.ch() === ')') this.pos++;
      else this.error(start, start + 1, 'Unclosed "(": expected ")".');
      return other(start, this.pos, inner ? [inner] : []);
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 64));
    if (num) {
      this.pos += num[0].length;
      return { kind: 'literal', value: Number(num[0]), span: { start, end: this.pos } };
    }
    const id = this.identifier();
    if (id) {
      if (id.value === 'true' || id.value === 'false') return { kind: 'literal', value: id.value === 'true', span: id.span };
      if (id.value === 'null') return { kind: 'literal', value: null, span: id.span };
      // provider::aws::arn_parse(...) and plain function calls
      let name = id.value;
      while (this.at('::') && isIdStart(this.text[this.pos + 2] ?? '')) {
        this.pos += 2;
        name += '::' + this.identifier()!.value;
      }
      const save = this.pos;
      this.ws(false);
      if (this.ch() === '(') return this.call(name, { start: id.span.start, end: save });
      this.pos = save;
      return { kind: 'traversal', root: name, steps: [], span: id.span, simple: true };
    }
    if (this.pos >= this.text.length) this.error(Math.max(0, this.text.length - 1), this.text.length, 'Expected a value, found the end of the file.');
    else this.error(this.pos, this.pos + 1, `Expected a value, not "${c}".`);
    return undefined;
  }

  private call(name: string, nameSpan: Span): HclExpr {
    const open = this.pos++;
    const args: HclExpr[] = [];
    let closed = false;
    for (;;) {
      this.ws(true);
      if (this.ch() === ')') {
        this.pos++;
        closed = true;
        break;
      }
      if (this.pos >= this.text.length || this.atTopLevelBlock()) break;
      const before = this.pos;
      const arg = this.expression(true);
      if (arg) args.push(arg);
      this.ws(true);
      if (this.at('...')) this.pos += 3;
      this.ws(true);
      if (this.ch() === ',') {
        this.pos++;
        continue;
      }
      if (this.ch() === ')') continue;
      if (this.pos === before || !arg) {
        this.recoverIn(')');
        if (this.ch() === ',') this.pos++;
        else if (this.ch() !== ')') break;
        continue;
      }
      if (this.atTopLevelBlock()) break;
      this.error(this.pos, this.pos + 1, `Expected "," or ")" in the arguments of ${name}().`);
      this.recoverIn(')');
      if (this.ch() === ',') this.pos++;
      else if (this.ch() !== ')') break;
    }
    if (!closed) this.error(open, open + 1, `Unclosed "(" of ${name}(): expected ")".`);
    return { kind: 'call', name, nameSpan, args, span: { start: nameSpan.start, end: this.pos }, closed };
  }

  /** Inside brackets: skip to the next `,` or the closing bracket, stepping over nested ones. */
  private recoverIn(close: string): void {
    if (this.atTopLevelBlock()) return;
    let depth = 0;
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === '\n' && this.text.startsWith('\n', this.pos)) {
        this.pos++;
        if (this.atTopLevelBlock()) return;
        continue;
      }
      if (c === '"') {
        this.quoted();
        continue;
      }
      if (c === '{' || c === '[' || c === '(') depth++;
      else if (c === '}' || c === ']' || c === ')') {
        if (depth === 0) {
          if (c !== close) return; // the enclosing construct is broken; let it report
          return;
        }
        depth--;
      } else if (c === ',' && depth === 0) return;
      this.pos++;
    }
  }

  private tuple(): HclExpr {
    const start = this.pos++;
    this.ws(true);
    if (this.at('for') && !isIdChar(this.text[this.pos + 3] ?? '')) return this.forExpression(start, ']');
    const items: HclExpr[] = [];
    let closed = false;
    for (;;) {
      this.ws(true);
      if (this.ch() === ']') {
        this.pos++;
        closed = true;
        break;
      }
      if (this.pos >= this.text.length || this.ch() === '}' || this.ch() === ')' || this.atTopLevelBlock()) break;
      const before = this.pos;
      const item = this.expression(true);
      if (item) items.push(item);
      this.ws(true);
      if (this.ch() === ',') {
        this.pos++;
        continue;
      }
      if (this.ch() === ']') continue;
      if (this.pos === before || !item) {
        this.recoverIn(']');
        if (this.ch() === ',') this.pos++;
        if (this.pos === before) break;
        continue;
      }
      if (this.atTopLevelBlock()) break;
      this.error(this.pos, this.pos + 1, 'Expected "," or "]" between list items.');
      this.recoverIn(']');
    }
    if (!closed) this.error(start, start + 1, 'Unclosed "[": expected "]".');
    return { kind: 'tuple', items, span: { start, end: this.pos }, closed };
  }

  private object(): HclExpr {
    const start = this.pos++;
    this.ws(true);
    if (this.at('for') && !isIdChar(this.text[this.pos + 3] ?? '')) return this.forExpression(start, '}');
    const items: HclObjectItem[] = [];
    let closed = false;
    for (;;) {
      this.ws(true);
      if (this.ch() === '}') {
        this.pos++;
        closed = true;
        break;
      }
      if (this.pos >= this.text.length || this.ch() === ']' || this.ch() === ')' || this.atTopLevelBlock()) break;
      const itemStart = this.pos;
      const key = this.expression(true);
      if (!key) {
        this.recoverIn('}');
        if (this.ch() === ',') this.pos++;
        if (this.pos === itemStart) this.pos++;
        continue;
      }
      this.ws(false);
      if (this.ch() === '=' || this.ch() === ':') {
        const separator = this.pos++;
        this.ws(true);
        const value = this.ch() === '}' ? undefined : this.expression(true);
        if (!value) this.error(separator, separator + 1, 'Expected a value after "=".');
        items.push({ key, separator, value, span: { start: itemStart, end: value ? value.span.end : separator + 1 } });
      } else {
        // A key still being typed: keep it, so completion sees where the user is.
        this.error(key.span.start, key.span.end, 'Expected "=" after the object key.');
        items.push({ key, separator: undefined, value: undefined, span: key.span });
      }
      const nl = this.ws(false);
      if (this.ch() === ',') this.pos++;
      else if (!nl && this.ch() !== '\n' && this.ch() !== '}' && this.pos < this.text.length && !this.atTopLevelBlock()) {
        this.error(this.pos, this.pos + 1, 'Expected a newline or "," between object items.');
        this.recoverIn('}');
        if (this.ch() === ',') this.pos++;
      }
    }
    if (!closed) this.error(start, start + 1, 'Unclosed "{": expected "}".');
    return { kind: 'object', items, span: { start, end: this.pos }, closed };
  }

  private forExpression(start: number, close: ']' | '}'): HclExpr {
    // for k, v in coll : expr [=> expr] [...] [if cond]
    this.pos += 3;
    const children: HclExpr[] = [];
    this.ws(true);
    this.identifier();
    this.ws(true);
    if (this.ch() === ',') {
      this.pos++;
      this.ws(true);
      this.identifier();
      this.ws(true);
    }
    if (this.at('in')) this.pos += 2;
    else this.error(this.pos, this.pos + 1, 'Expected "in" in the for expression.');
    this.ws(true);
    const coll = this.expression(true);
    if (coll) children.push(coll);
    this.ws(true);
    if (this.ch() === ':') this.pos++;
    else this.error(this.pos, this.pos + 1, 'Expected ":" in the for expression.');
    this.ws(true);
    const a = this.expression(true);
    if (a) children.push(a);
    this.ws(true);
    if (this.at('=>')) {
      this.pos += 2;
      this.ws(true);
      const b = this.expression(true);
      if (b) children.push(b);
      this.ws(true);
      if (this.at('...')) this.pos += 3;
      this.ws(true);
    }
    if (this.at('if') && !isIdChar(this.text[this.pos + 2] ?? '')) {
      this.pos += 2;
      this.ws(true);
      const cond = this.expression(true);
      if (cond) children.push(cond);
      this.ws(true);
    }
    if (this.ch() === close) this.pos++;
    else {
      this.error(start, start + 1, `Unclosed for expression: expected "${close}".`);
      this.recoverIn(close);
      if (this.ch() === close) this.pos++;
    }
    return other(start, this.pos, children);
  }

  // ---- templates --------------------------------------------------------------------------

  /** A quoted template `"..."`. Stops at the end of the line when the quote is not closed. */
  quoted(): Extract<HclExpr, { kind: 'template' }> {
    const start = this.pos++;
    const parts = this.templateParts('"');
    let closed = false;
    if (this.ch() === '"') {
      this.pos++;
      closed = true;
    } else this.error(start, this.pos, 'Unterminated string: a quoted string must end with " on the same line.');
    return { kind: 'template', parts, span: { start, end: this.pos }, closed };
  }

  /** Template parts up to the terminator (`"` for quoted templates, or the given end offset for heredocs). */
  private templateParts(quote: '"' | number): TemplatePart[] {
    const parts: TemplatePart[] = [];
    const t = this.text;
    let lit = '';
    let litStart = this.pos;
    const flush = () => {
      if (this.pos > litStart) parts.push({ kind: 'literal', value: lit, span: { start: litStart, end: this.pos } });
      lit = '';
    };
    const end = typeof quote === 'number' ? quote : t.length;
    while (this.pos < end) {
      const c = t[this.pos];
      if (quote === '"' && (c === '"' || c === '\n')) break;
      if (quote === '"' && c === '\\') {
        const n = t[this.pos + 1];
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (n in simple) {
          lit += simple[n];
          this.pos += 2;
        } else if (n === 'u' || n === 'U') {
          const len = n === 'u' ? 4 : 8;
          const hex = t.slice(this.pos + 2, this.pos + 2 + len);
          if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === len) lit += String.fromCodePoint(parseInt(hex, 16));
          else this.error(this.pos, this.pos + 2, `Invalid escape "\\${n}": expected ${len} hex digits.`);
          this.pos += 2 + len;
        } else {
          this.error(this.pos, this.pos + 2, `Invalid escape "\\${n ?? ''}" in a string.`);
          this.pos += 2;
        }
        continue;
      }
      if ((c === '$' || c === '%') && t[this.pos + 1] === c && t[this.pos + 2] === '{') {
        lit += c + '{';
        this.pos += 3;
        continue;
      }
      if ((c === '$' || c === '%') && t[this.pos + 1] === '{') {
        flush();
        const s = this.pos;
        this.pos += 2;
        if (this.ch() === '~') this.pos++;
        this.ws(true);
        if (c === '$') {
          const expr = this.expression(true);
          this.ws(true);
          if (this.ch() === '~') this.pos++;
          if (this.ch() === '}') this.pos++;
          else {
            this.error(s, s + 2, 'Unclosed "${": expected "}".');
            this.recoverIn('}');
            if (this.ch() === '}') this.pos++;
          }
          parts.push({ kind: 'interpolation', expr, span: { start: s, end: this.pos } });
        } else {
          // %{ if }, %{ for }, %{ endif } ...: skipped to the closing brace.
          while (this.pos < end && this.ch() !== '}' && !(quote === '"' && (this.ch() === '"' || this.ch() === '\n'))) {
            if (this.ch() === '"') this.quoted();
            else this.pos++;
          }
          if (this.ch() === '}') this.pos++;
          parts.push({ kind: 'directive', span: { start: s, end: this.pos } });
        }
        litStart = this.pos;
        continue;
      }
      lit += c;
      this.pos++;
    }
    flush();
    return parts;
  }

  private heredoc(): HclExpr {
    const start = this.pos;
    this.pos += 2;
    const indented = this.ch() === '-';
    if (indented) this.pos++;
    const id = this.identifier();
    const lineEnd = this.text.indexOf('\n', this.pos);
    if (!id || (lineEnd >= 0 && this.text.slice(this.pos, lineEnd).trim() !== '') || lineEnd < 0) {
      this.error(start, this.pos, 'A heredoc starts with "<<EOF" (or "<<-EOF") alone at the end of its line, with a marker name.');
      if (lineEnd < 0) this.pos = this.text.length;
      return { kind: 'heredoc', marker: id?.value ?? '', indented, parts: [], body: { start: this.pos, end: this.pos }, closed: false, span: { start, end: this.pos } };
    }
    const bodyStart = lineEnd + 1;
    // The closing marker: a line whose content, without leading and trailing spaces, is the marker.
    let lineStart = bodyStart;
    let closeLine = -1;
    while (lineStart <= this.text.length) {
      let e = this.text.indexOf('\n', lineStart);
      if (e < 0) e = this.text.length;
      if (this.text.slice(lineStart, e).trim() === id.value) {
        closeLine = lineStart;
        break;
      }
      if (e >= this.text.length) break;
      lineStart = e + 1;
    }
    if (closeLine < 0) {
      this.error(start, id.span.end, `Unclosed heredoc: no line "${id.value}" ends the text that "<<${indented ? '-' : ''}${id.value}" starts.`);
      this.pos = bodyStart;
      const parts = this.templateParts(this.text.length);
      this.pos = this.text.length;
      return { kind: 'heredoc', marker: id.value, indented, parts, body: { start: bodyStart, end: this.text.length }, closed: false, span: { start, end: this.text.length } };
    }
    this.pos = bodyStart;
    const parts = this.templateParts(closeLine);
    this.pos = closeLine;
    while (this.ch() === ' ' || this.ch() === '\t') this.pos++;
    this.pos += id.value.length;
    return { kind: 'heredoc', marker: id.value, indented, parts, body: { start: bodyStart, end: closeLine }, closed: true, span: { start, end: this.pos } };
  }
}

function other(start: number, end: number, children: (HclExpr | undefined)[]): HclExpr {
  return { kind: 'other', children: children.filter((c): c is HclExpr => c !== undefined), span: { start, end } };
}

function step(e: HclExpr, s: string | number, end: number): HclExpr {
  if (e.kind === 'traversal') return { ...e, steps: [...e.steps, s], span: { start: e.span.start, end } };
  return other(e.span.start, end, [e]);
}

/** The text of a template with no interpolation; undefined when it has one. */
export function templateText(e: HclExpr | undefined): string | undefined {
  if (!e || (e.kind !== 'template' && e.kind !== 'heredoc')) return undefined;
  if (e.parts.some((p) => p.kind !== 'literal')) return undefined;
  return e.parts.map((p) => (p.kind === 'literal' ? p.value : '')).join('');
}

/** Attribute by name (the last one, as Terraform would report a duplicate anyway). */
export function attribute(body: HclBody, name: string): HclAttribute | undefined {
  let found: HclAttribute | undefined;
  for (const i of body.items) if (i.kind === 'attribute' && i.name === name) found = i;
  return found;
}

export function blocks(body: HclBody, type: string): HclBlock[] {
  return body.items.filter((i): i is HclBlock => i.kind === 'block' && i.type === type);
}
