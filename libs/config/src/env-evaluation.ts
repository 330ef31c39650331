import { z } from 'zod';
import { int, optionalText, optionalUrl, setting, text } from './env-rules';

/** What one model's judge calls cost, in US dollars per million tokens, prompt (input) and completion (output) apart. */
export interface JudgeModelPrice {
  input_per_million_usd: number;
  output_per_million_usd: number;
}

/** Model name → its price. */
export type JudgePriceTable = Record<string, JudgeModelPrice>;

const PRICE_RULE = 'must be a JSON object of model name to {"input_per_million_usd": n, "output_per_million_usd": n}, n a number >= 0';

const modelPrice = z.strictObject(
  {
    input_per_million_usd: z.number({ error: PRICE_RULE }).min(0, PRICE_RULE).max(1_000_000, PRICE_RULE),
    output_per_million_usd: z.number({ error: PRICE_RULE }).min(0, PRICE_RULE).max(1_000_000, PRICE_RULE),
  },
  { error: PRICE_RULE },
);

/**
 * The judge price table: JSON text, an object of model names (1-200 characters without spaces) to prices.
 * Bad JSON, a missing or negative price or an unknown key fails with one message that says the form.
 */
export function judgePriceTable() {
  return z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `${PRICE_RULE} (the value is not valid JSON)` });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().regex(/^\S{1,200}$/, PRICE_RULE), modelPrice, { error: PRICE_RULE }));
}

/**
 * List prices of common OpenAI judge models when this was written (USD per million tokens). Estimates
 * only: set EVAL_JUDGE_PRICES to what your provider charges you.
 */
export const DEFAULT_JUDGE_PRICES: JudgePriceTable = {
  'gpt-4o-mini': { input_per_million_usd: 0.15, output_per_million_usd: 0.6 },
  'gpt-4o': { input_per_million_usd: 2.5, output_per_million_usd: 10 },
  'gpt-4.1-mini': { input_per_million_usd: 0.4, output_per_million_usd: 1.6 },
  'gpt-4.1': { input_per_million_usd: 2, output_per_million_usd: 8 },
};

/** Outbound calls to agents and judges, evaluation runs and the eval-runs workers, golden set uploads. */
export const EVALUATION_SETTINGS = {
  OUTBOUND_ALLOWED_HOSTS: setting(
    optionalText(),
    '',
    'Comma-separated hosts, IPs or CIDRs that outbound calls may reach even though they are private/loopback (e.g. 127.0.0.1 for local agents)',
  ),
  OUTBOUND_MAX_RESPONSE_BYTES: setting(int(1024, 100 * 1024 * 1024), 1024 * 1024, 'Largest response body an outbound call reads'),
  EVAL_AGENT_TIMEOUT_MS: setting(int(100, 600_000), 30_000, 'Timeout of one call to an agent endpoint'),
  EVAL_SYNC_CONCURRENCY: setting(int(1, 256), 8, 'Cases executed at once by the synchronous execute endpoint'),
  EVAL_SYNC_MAX_CASES: setting(int(1, 1_000_000), 5_000, 'Largest run the synchronous execute endpoint accepts'),
  OPENAI_API_KEY: setting(optionalText(), '', 'API key of the provider judge (OpenAI or a compatible server)'),
  OPENAI_BASE_URL: setting(optionalUrl(['http', 'https']), '', 'Base URL of an OpenAI-compatible server; empty = the SDK default'),
  EVAL_JUDGE_MODEL: setting(text(/^\S{1,200}$/, 'must be a model name'), 'gpt-4o-mini', 'Default model of the provider judge'),
  EVAL_JUDGE_TIMEOUT_MS: setting(int(100, 600_000), 60_000, 'Timeout of one provider judge call'),
  EVAL_JUDGE_MAX_RETRIES: setting(int(0, 10), 2, 'Retries of a provider judge call on 429/5xx/timeouts'),
  EVAL_JUDGE_PRICES: setting(
    judgePriceTable(),
    DEFAULT_JUDGE_PRICES,
    'Judge prices as JSON: {"<model>": {"input_per_million_usd": n, "output_per_million_usd": n}}; replaces the built-in table ' +
      '(gpt-4o-mini, gpt-4o, gpt-4.1-mini, gpt-4.1 list prices). A model without a price has no estimated cost and cannot take a max_cost_usd budget',
  ),
  EVAL_WORKER_CONCURRENCY: setting(int(1, 1000), 32, 'Cases one worker process executes at once: chunk jobs run their cases one by one and borrow idle slots'),
  EVAL_WORKER_MAX_CONCURRENCY_GLOBAL: setting(int(0, 100_000), 0, 'Chunk jobs running at once across all workers (0 = no cap)'),
  EVAL_WORKER_MAX_CONCURRENCY_PER_ORG: setting(int(0, 100_000), 0, 'Chunk jobs of one org running at once across all workers (0 = no cap)'),
  EVAL_WORKER_CHUNK_SIZE: setting(int(1, 1000), 20, 'Cases per chunk job'),
  EVAL_WORKER_ATTEMPTS: setting(int(1, 50), 5, 'Tries of a job of the eval-runs queue (transient agent or provider errors)'),
  EVAL_WORKER_BACKOFF_MS: setting(int(10, 600_000), 1000, 'First retry delay of a job of the eval-runs queue; doubles each try'),
  EVAL_WORKER_MAX_BACKOFF_MS: setting(int(10, 3_600_000), 60_000, 'Cap of the retry delay'),
  EVAL_WORKER_LOCK_MS: setting(int(1000, 600_000), 30_000, 'Job lock; a job of a dead worker is taken over after about this long'),
  EVAL_RUN_MAX_RUNTIME_SECONDS: setting(int(1, 7 * 86_400), 6 * 3600, 'A running run older than this is failed (EVAL_RUN_TIMEOUT)'),
  EVAL_WORKER_INFRA_RETRY_MAX_MS: setting(
    int(10, 600_000),
    5_000,
    'Longest wait before a run job that failed because Postgres or Redis was unreachable tries again (such tries use up no attempts)',
  ),
  EVAL_RUN_RECOVERY_INTERVAL_MS: setting(
    int(0, 3_600_000),
    30_000,
    'How often each worker looks for running runs whose jobs are gone (and that made no progress for as long); 0 = never',
  ),
  EVAL_RUN_MAX_RESUMES: setting(int(0, 100), 3, 'Times a run whose jobs were lost is resumed before it fails (EVAL_RUN_INFRASTRUCTURE_ERROR)'),
  GOLDEN_SET_MAX_FILE_BYTES: setting(int(1024, 100 * 1024 * 1024), 10 * 1024 * 1024, 'Largest golden set file accepted by upload-file'),
  GOLDEN_SET_MAX_ROWS: setting(int(1, 1_000_000), 50_000, 'Most cases one golden set upload may hold'),
  GOLDEN_SET_MAX_INPUT_CHARS: setting(int(100, 1_000_000), 20_000, 'Longest case input (characters), in JSON uploads, supersede and file rows'),
  GOLDEN_SET_MAX_EXPECTED_ANSWER_CHARS: setting(int(100, 1_000_000), 20_000, 'Longest expected answer of a case (characters)'),
  GOLDEN_SET_MAX_CRITERIA_CHARS: setting(int(100, 1_000_000), 10_000, 'Longest criteria (rubric) of a case (characters)'),
  GOLDEN_SET_PARSE_CONCURRENCY: setting(int(1, 64), 2, 'Uploaded files parsed at once, each in its own worker thread; more wait their turn'),
};
