/**
 * The part of the `${{ }}` expression language that a composite action's metadata uses: literals
 * ('text', numbers, true, false, null), context paths (inputs.x, steps.id.outputs.y, github.a.b),
 * `!`, `==`, `!=`, `&&`, `||`, parentheses and the status functions success(), failure(), always() and
 * cancelled(). As on a runner, `==` compares strings case-insensitively, `&&` and `||` give back an
 * operand (so `a || 'default'` works), and a missing property is null. Anything else is an error, so
 * an action that starts using more than this fails its test instead of being misread.
 */

export type ExprValue = string | number | boolean | null | { [key: string]: ExprValue };

export interface ExprContext {
  contexts: Record<string, ExprValue>;
  /** Whether every earlier step succeeded (success()) or one failed (failure()). */
  jobFailed: boolean;
}

type Token = { kind: 'str' | 'num' | 'ident' | 'op'; text: string };

const STATUS_FUNCTIONS = new Set(['success', 'failure', 'always', 'cancelled']);

/** Strings ('it''s'), numbers, identifiers (with dashes, as in inputs.api-url) and operators. */
const TOKEN = /\s*(?:'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_-]*)|(==|!=|&&|\|\||[!().]))/y;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (src.slice(TOKEN.lastIndex).trim() !== '') {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`unsupported expression text at ${at}: ${src}`);
    if (m[1] !== undefined) out.push({ kind: 'str', text: m[1].replace(/''/g, "'") });
    else if (m[2] !== undefined) out.push({ kind: 'num', text: m[2] });
    else if (m[3] !== undefined) out.push({ kind: 'ident', text: m[3] });
    else out.push({ kind: 'op', text: m[4] });
  }
  return out;
}

export function truthy(v: ExprValue): boolean {
  return !(v === false || v === null || v === '' || v === 0 || (typeof v === 'number' && Number.isNaN(v)));
}

function toNumber(v: ExprValue): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return NaN;
}

function looseEquals(a: ExprValue, b: ExprValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}

/** Evaluates one expression (the text between `${{` and `}}`, or an `if:` condition). */
export function evaluate(src: string, ctx: ExprContext): ExprValue {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (text?: string): Token => {
    const t = tokens[pos];
    if (!t || (text !== undefined && t.text !== text)) throw new Error(`expected ${text ?? 'a token'} at ${pos} in expression: ${src}`);
    pos++;
    return t;
  };

  const primary = (): ExprValue => {
    const t = take();
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'op' && t.text === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (t.kind !== 'ident') throw new Error(`unexpected "${t.text}" in expression: ${src}`);
    if (t.text === 'true' || t.text === 'false') return t.text === 'true';
    if (t.text === 'null') return null;
    if (peek()?.text === '(') {
      if (!STATUS_FUNCTIONS.has(t.text)) throw new Error(`unsupported function ${t.text}() in expression: ${src}`);
      take('(');
      take(')');
      if (t.text === 'success') return !ctx.jobFailed;
      if (t.text === 'failure') return ctx.jobFailed;
      if (t.text === 'cancelled') return false;
      return true;
    }
    if (!(t.text in ctx.contexts)) throw new Error(`unsupported context "${t.text}" in expression: ${src}`);
    let value: ExprValue = ctx.contexts[t.text];
    while (peek()?.text === '.') {
      take('.');
      const key = take().text;
      value = value !== null && typeof value === 'object' && key in value ? value[key] : null;
    }
    return value;
  };
  const unary = (): ExprValue => {
    if (peek()?.text === '!') {
      take('!');
      return !truthy(unary());
    }
    return primary();
  };
  const equality = (): ExprValue => {
    let left = unary();
    while (peek()?.text === '==' || peek()?.text === '!=') {
      const op = take().text;
      const right = unary();
      left = op === '==' ? looseEquals(left, right) : !looseEquals(left, right);
    }
    return left;
  };
  const and = (): ExprValue => {
    let left = equality();
    while (peek()?.text === '&&') {
      take('&&');
      const right = equality();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): ExprValue => {
    let left = and();
    while (peek()?.text === '||') {
      take('||');
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };

  const value = or();
  if (pos !== tokens.length) throw new Error(`unexpected "${tokens[pos].text}" in expression: ${src}`);
  return value;
}

/** A value as text in a string (null is empty). */
export function asText(v: ExprValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Replaces each `${{ expr }}` in a string with its value as text. */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expr: string) => asText(evaluate(expr, ctx)));
}

/**
 * A step's `if:` as the runner reads it: with or without `${{ }}`, and, when it calls no status
 * function, only after every earlier step succeeded (an implicit `success() &&`).
 */
export function stepCondition(raw: string | undefined, ctx: ExprContext): boolean {
  if (raw === undefined || raw.trim() === '') return !ctx.jobFailed;
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(raw);
  const expr = m ? m[1] : raw;
  const callsStatus = [...STATUS_FUNCTIONS].some((f) => new RegExp(`\\b${f}\\s*\\(`).test(expr));
  if (!callsStatus && ctx.jobFailed) return false;
  return truthy(evaluate(expr, ctx));
}
