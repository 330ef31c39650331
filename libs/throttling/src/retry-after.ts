/**
 * How long a provider asked us to wait, from its answer's headers: `retry-after-ms` (milliseconds,
 * OpenAI's own header) first, then `Retry-After` as seconds or as an HTTP date. Null when the answer
 * names no usable wait (absent, unreadable, or already past). `now` is the local clock in ms.
 */
export function retryAfterMs(headers: Pick<Headers, 'get'>, now: number = Date.now()): number | null {
  const ms = positive(parseNumber(headers.get('retry-after-ms')));
  if (ms !== null) return Math.ceil(ms);
  const raw = headers.get('retry-after')?.trim();
  if (!raw) return null;
  const seconds = parseNumber(raw);
  if (seconds !== null) return positive(seconds) === null ? null : Math.ceil(seconds * 1000);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return null;
  const left = at - now;
  return left > 0 ? Math.ceil(left) : null;
}

function parseNumber(raw: string | null | undefined): number | null {
  const text = raw?.trim();
  if (!text || !/^\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

function positive(n: number | null): number | null {
  return n !== null && Number.isFinite(n) && n > 0 ? n : null;
}
