import { z } from 'zod';

/**
 * The rules environment variables are checked against. Every variable arrives as text; each rule
 * turns it into the value the apps use or fails with a message that says what is allowed, and that
 * message is what an operator reads when an app refuses to start.
 */

/** One variable: its rule, its value when unset or empty, and what it is for. */
export function setting<T extends z.ZodType>(rule: T, fallback: z.output<T>, doc: string) {
  const unsetWhenEmpty = (raw: unknown) => (raw === '' ? undefined : raw);
  return z.preprocess(unsetWhenEmpty, rule.default(fallback as never)).describe(doc);
}

function integerText(min: number, max: number, rule: string) {
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, rule)
    .transform(Number)
    .pipe(z.number().min(min, rule).max(max, rule));
}

export function int(min: number, max: number) {
  return integerText(min, max, `must be an integer between ${min} and ${max}`);
}

export function intList(min: number, max: number, maxItems: number) {
  const rule = `must be a comma-separated list of 1 to ${maxItems} integers between ${min} and ${max}`;
  return z
    .string()
    .transform((raw) => raw.split(','))
    .pipe(
      z
        .array(integerText(min, max, rule))
        .min(1, rule)
        .max(maxItems, rule),
    );
}

function protocolOf(raw: string): string {
  return new URL(raw).protocol.replace(/:$/, '');
}

/** A URL of one of `protocols`, kept as written. */
export function url(protocols: string[]) {
  const names = protocols.join(' or ');
  return z
    .string()
    .refine((raw) => URL.canParse(raw), { error: `must be a URL (${names})`, abort: true })
    .refine((raw) => protocols.includes(protocolOf(raw)), `must use ${names}`);
}

/** Empty (= none), or a URL of one of `protocols`. */
export function optionalUrl(protocols: string[]) {
  const names = protocols.join(' or ');
  return z
    .string()
    .trim()
    .refine((raw) => raw === '' || URL.canParse(raw), { error: `must be a URL (${names})`, abort: true })
    .refine((raw) => raw === '' || protocols.includes(protocolOf(raw)), `must use ${names}`);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

export function flag() {
  const truthy = ['1', 'true', 'yes', 'on'];
  const falsy = ['0', 'false', 'no', 'off'];
  return z
    .string()
    .trim()
    .pipe(z.stringbool({ truthy, falsy, error: 'must be true or false' }));
}

export function text(pattern: RegExp, rule: string) {
  return z.string().regex(pattern, rule);
}

/** Free text, trimmed; empty means none. */
export function optionalText() {
  return z.string().trim();
}

/** A shared secret: empty, or 16-512 characters without spaces. */
export function optionalToken() {
  return z
    .string()
    .trim()
    .regex(/^(\S{16,512})?$/, 'must be empty or 16-512 characters without spaces');
}

function listItems(raw: string): string[] {
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Event type names, comma-separated; empty means all. */
export function eventList() {
  const eventType = z
    .string()
    .regex(/^[a-z][a-z0-9_.]*$/, { error: (issue) => `must be a comma-separated list of event types (got "${String(issue.input)}")` });
  return z.string().transform(listItems).pipe(z.array(eventType));
}

function isBareOrigin(item: string): boolean {
  if (!URL.canParse(item)) return false;
  const u = new URL(item);
  return ['http:', 'https:'].includes(u.protocol) && u.origin === item.replace(/\/$/, '').toLowerCase();
}

/** Browser origins allowed to call the API cross-origin: `*` or `scheme://host[:port]` each, normalised; empty = none. */
export function originList() {
  const rule = 'must be * or a comma-separated list of origins like https://app.example.com';
  const origin = z
    .string()
    .refine((item) => item === '*' || isBareOrigin(item), { error: (issue) => `${rule}; "${String(issue.input)}" is not one` })
    .transform((item) => (item === '*' ? item : new URL(item).origin));
  return z.string().transform(listItems).pipe(z.array(origin));
}
