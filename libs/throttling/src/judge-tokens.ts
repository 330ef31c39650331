/**
 * Token estimates of judge requests: what a request reserves before it is sent (roughly 4 bytes per
 * token of its body, plus the completion it may produce), and what its answer says it used.
 */
const BYTES_PER_TOKEN = 4;

/** Tokens to reserve for a chat completion request with this body. */
export function estimateRequestTokens(body: unknown, completionEstimate: number): number {
  if (typeof body !== 'string') return completionEstimate;
  let completion = completionEstimate;
  try {
    const parsed = JSON.parse(body) as { max_tokens?: unknown; max_completion_tokens?: unknown };
    const cap = parsed.max_completion_tokens ?? parsed.max_tokens;
    if (typeof cap === 'number' && Number.isInteger(cap) && cap > 0) completion = cap;
  } catch {
    // not JSON: the body size alone
  }
  return Math.ceil(Buffer.byteLength(body, 'utf8') / BYTES_PER_TOKEN) + completion;
}

/** Total tokens a successful JSON answer reports in `usage`; null when it reports none. */
export async function reportedTokens(res: Response): Promise<number | null> {
  if (res.status < 200 || res.status > 299) return null;
  if (!/json/i.test(res.headers.get('content-type') ?? '')) return null;
  try {
    const body = (await res.clone().json()) as { usage?: { total_tokens?: unknown; prompt_tokens?: unknown; completion_tokens?: unknown } };
    const usage = body?.usage;
    if (!usage) return null;
    if (typeof usage.total_tokens === 'number' && Number.isFinite(usage.total_tokens)) return usage.total_tokens;
    const parts = [usage.prompt_tokens, usage.completion_tokens].filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
    return parts.length ? parts.reduce((a, b) => a + b, 0) : null;
  } catch {
    return null;
  }
}
