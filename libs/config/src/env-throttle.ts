import { z } from 'zod';
import { int, setting } from './env-rules';

/** Requests and tokens a judge model may use per window; 0 (or absent) = no limit. */
export interface JudgeRateLimit {
  rpm: number;
  tpm: number;
}

const LIMITS_RULE = 'must be a JSON object of model names to {"rpm": n, "tpm": n} (integers >= 0), e.g. {"gpt-4o-mini": {"rpm": 500, "tpm": 200000}}';

const limitEntry = z.strictObject(
  {
    rpm: z.number({ error: LIMITS_RULE }).int(LIMITS_RULE).min(0, LIMITS_RULE).max(100_000_000, LIMITS_RULE).default(0),
    tpm: z.number({ error: LIMITS_RULE }).int(LIMITS_RULE).min(0, LIMITS_RULE).max(10_000_000_000, LIMITS_RULE).default(0),
  },
  { error: LIMITS_RULE },
);

/** Per-model judge limits as JSON text; empty = none beyond the defaults. */
function judgeLimits() {
  return z
    .string()
    .trim()
    .transform((raw, ctx) => {
      if (raw === '') return {};
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: LIMITS_RULE });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string({ error: LIMITS_RULE }).regex(/^\S{1,200}$/, LIMITS_RULE), limitEntry, { error: LIMITS_RULE }));
}

/** Rate limits shared by every worker process: judge providers (requests and tokens per window) and agents. */
export const THROTTLE_SETTINGS = {
  JUDGE_RATE_LIMIT_RPM: setting(
    int(0, 100_000_000),
    0,
    'Judge requests per window (THROTTLE_WINDOW_MS) for a model JUDGE_RATE_LIMITS does not name; 0 = no limit',
  ),
  JUDGE_RATE_LIMIT_TPM: setting(
    int(0, 2_000_000_000),
    0,
    'Judge tokens (prompt + completion) per window for a model JUDGE_RATE_LIMITS does not name; 0 = no limit',
  ),
  JUDGE_RATE_LIMITS: setting(
    judgeLimits(),
    {} as Record<string, JudgeRateLimit>,
    'Per judge model limits as JSON, e.g. {"gpt-4o-mini": {"rpm": 500, "tpm": 200000}}; an absent or 0 field = no limit; shared by every worker through Redis',
  ),
  JUDGE_COMPLETION_TOKENS_ESTIMATE: setting(
    int(1, 1_000_000),
    512,
    'Completion tokens reserved for a judge request that sets no max_tokens; corrected to the usage the provider reports',
  ),
  THROTTLE_WINDOW_MS: setting(
    int(1000, 3_600_000),
    60_000,
    'Length of the judge rate-limit window (rpm and tpm count per this long); 60000 = per minute, shorter only for tests',
  ),
  THROTTLE_GUARD_MS: setting(
    int(0, 10_000),
    100,
    'Extra time a granted slot stays counted after its window, so network delay between the grant and the arrival of the request cannot squeeze one more call into a window at the provider or agent',
  ),
  THROTTLE_MAX_WAIT_MS: setting(
    int(0, 3_600_000),
    300_000,
    'Longest one judge or agent call waits for its rate limit (or a provider pause) before it fails as retryable; 0 = no limit',
  ),
  THROTTLE_MAX_PAUSE_MS: setting(int(1000, 3_600_000), 600_000, 'Longest pause a provider 429 Retry-After may impose on every worker'),
  AGENT_LIMIT_CACHE_MS: setting(
    int(0, 600_000),
    5000,
    "How long a worker keeps an agent's max_calls_per_second before reading it again (0 = read before every call)",
  ),
};
