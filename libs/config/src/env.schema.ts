/**
 * The one schema for every environment variable Greenlight reads. Each entry parses and checks its
 * variable; `loadConfig` reports every bad variable by name and refuses to start.
 */
type Parser<T> = (raw: string) => T;

interface VarSpec<T> {
  parse: Parser<T>;
  default?: T;
  doc: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function int(min: number, max: number): Parser<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be an integer between ${min} and ${max}`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be an integer between ${min} and ${max}`);
    return n;
  };
}

function url(protocols: string[]): Parser<string> {
  return (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`must be a URL (${protocols.join(' or ')})`);
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new Error(`must use ${protocols.join(' or ')}`);
    }
    return raw;
  };
}

function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (raw) => {
    if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
}

function bool(): Parser<boolean> {
  return (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error('must be true or false');
  };
}

function text(pattern: RegExp, rule: string): Parser<string> {
  return (raw) => {
    if (!pattern.test(raw)) throw new Error(rule);
    return raw;
  };
}

function optionalText(): Parser<string> {
  return (raw) => raw.trim();
}

function optionalUrl(protocols: string[]): Parser<string> {
  const check = url(protocols);
  return (raw) => (raw.trim() === '' ? '' : check(raw.trim()));
}

function intList(min: number, max: number, maxItems: number): Parser<number[]> {
  const one = int(min, max);
  return (raw) => {
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.length === 0 || parts.length > maxItems || parts.some((p) => p === '')) {
      throw new Error(`must be a comma-separated list of 1 to ${maxItems} integers between ${min} and ${max}`);
    }
    try {
      return parts.map(one);
    } catch {
      throw new Error(`must be a comma-separated list of 1 to ${maxItems} integers between ${min} and ${max}`);
    }
  };
}

function eventList(): Parser<string[]> {
  return (raw) => {
    const parts = raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    for (const p of parts) if (!/^[a-z][a-z0-9_.]*$/.test(p)) throw new Error(`must be a comma-separated list of event types (got "${p}")`);
    return parts;
  };
}

/** Browser origins allowed to call the API cross-origin: `*` or `scheme://host[:port]` each; empty = none. */
function originList(): Parser<string[]> {
  const rule = 'must be * or a comma-separated list of origins like https://app.example.com';
  return (raw) => {
    const parts = raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    for (const p of parts) {
      if (p === '*') continue;
      let u: URL;
      try {
        u = new URL(p);
      } catch {
        throw new Error(`${rule}; "${p}" is not one`);
      }
      const bare = p.replace(/\/$/, '').toLowerCase();
      if (!['http:', 'https:'].includes(u.protocol) || u.origin !== bare) throw new Error(`${rule}; "${p}" is not one`);
    }
    return parts.map((p) => (p === '*' ? p : new URL(p).origin));
  };
}

/** A shared secret: empty, or at least 16 characters without spaces. */
function optionalToken(): Parser<string> {
  return (raw) => {
    const v = raw.trim();
    if (v !== '' && !/^\S{16,512}$/.test(v)) throw new Error('must be empty or 16-512 characters without spaces');
    return v;
  };
}

export const ENV_SCHEMA = {
  NODE_ENV: { parse: oneOf(['development', 'production', 'test'] as const), default: 'development', doc: 'Runtime mode' },
  DATABASE_URL: {
    parse: url(['postgres', 'postgresql']),
    default: 'postgres://postgres@127.0.0.1:5432/greenlight',
    doc: 'PostgreSQL connection URL',
  },
  DATABASE_POOL_SIZE: { parse: int(1, 200), default: 10, doc: 'Max PostgreSQL connections per process' },
  REDIS_URL: { parse: url(['redis', 'rediss']), default: 'redis://127.0.0.1:6379', doc: 'Redis connection URL' },
  REDIS_PREFIX: {
    parse: text(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . : -'),
    default: 'greenlight',
    doc: 'Prefix of every Redis key (BullMQ queues, rate-limit counters)',
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    parse: int(100, 600_000),
    default: 5000,
    doc: 'Longest wait of an api request for one Redis command (queue operations, enqueueing) before it answers 503',
  },
  HOST: { parse: text(/^\S+$/, 'must be a host name or address'), default: '0.0.0.0', doc: 'Interface both apps listen on' },
  PORT: { parse: int(1, 65535), default: 3000, doc: 'HTTP port of the api app' },
  WORKER_PORT: { parse: int(0, 65535), default: 3001, doc: 'HTTP port of the worker health server (0 = any free port, e.g. for several workers on one host)' },
  API_RATE_LIMIT_PER_MINUTE: {
    parse: int(0, 1_000_000),
    default: 120,
    doc: 'Requests per minute per API key (0 disables the limit); a key may carry its own limit',
  },
  API_KEY_DEFAULT_TTL_DAYS: { parse: int(1, 3650), default: 90, doc: 'Expiry of new API keys when none is given' },
  API_BODY_LIMIT_BYTES: { parse: int(1024, 100 * 1024 * 1024), default: 1024 * 1024, doc: 'Largest JSON body accepted' },
  IDEMPOTENCY_TTL_HOURS: { parse: int(24, 24 * 30), default: 24, doc: 'How long Idempotency-Key responses are kept' },
  AUDIT_LOG_FLUSH_MS: { parse: int(10, 60_000), default: 500, doc: 'How often buffered audit rows are written' },
  LOG_LEVEL: { parse: oneOf(['error', 'warn', 'log', 'debug', 'verbose'] as const), default: 'log', doc: 'Log verbosity' },
  LOG_FORMAT: {
    parse: oneOf(['auto', 'json', 'pretty'] as const),
    default: 'auto',
    doc: 'json: one JSON object per line with request ids; pretty: readable lines; auto: pretty on a terminal, json otherwise',
  },
  SWAGGER_ENABLED: { parse: bool(), default: true, doc: 'Serve Swagger UI at /docs and the document at /docs-json' },
  AUTH_FAILURE_LIMIT_PER_MINUTE: {
    parse: int(0, 100_000),
    default: 30,
    doc: 'Failed authentications per client address and minute before the address gets 429 (0 disables the throttle); known-good keys still pass',
  },
  CORS_ORIGINS: {
    parse: originList(),
    default: [] as string[],
    doc: 'Comma-separated browser origins allowed cross-origin (* = any); empty = no CORS headers',
  },
  METRICS_TOKEN: { parse: optionalToken(), default: '', doc: 'When set, /metrics requires Authorization: Bearer <token>' },

  OUTBOUND_ALLOWED_HOSTS: {
    parse: optionalText(),
    default: '',
    doc: 'Comma-separated hosts, IPs or CIDRs that outbound calls may reach even though they are private/loopback (e.g. 127.0.0.1 for local agents)',
  },
  OUTBOUND_MAX_RESPONSE_BYTES: { parse: int(1024, 100 * 1024 * 1024), default: 1024 * 1024, doc: 'Largest response body an outbound call reads' },
  EVAL_AGENT_TIMEOUT_MS: { parse: int(100, 600_000), default: 30_000, doc: 'Timeout of one call to an agent endpoint' },
  EVAL_SYNC_CONCURRENCY: { parse: int(1, 256), default: 8, doc: 'Cases executed at once by the synchronous execute endpoint' },
  EVAL_SYNC_MAX_CASES: { parse: int(1, 1_000_000), default: 5_000, doc: 'Largest run the synchronous execute endpoint accepts' },
  OPENAI_API_KEY: { parse: optionalText(), default: '', doc: 'API key of the provider judge (OpenAI or a compatible server)' },
  OPENAI_BASE_URL: { parse: optionalUrl(['http', 'https']), default: '', doc: 'Base URL of an OpenAI-compatible server; empty = the SDK default' },
  EVAL_JUDGE_MODEL: { parse: text(/^\S{1,200}$/, 'must be a model name'), default: 'gpt-4o-mini', doc: 'Default model of the provider judge' },
  EVAL_JUDGE_TIMEOUT_MS: { parse: int(100, 600_000), default: 60_000, doc: 'Timeout of one provider judge call' },
  EVAL_JUDGE_MAX_RETRIES: { parse: int(0, 10), default: 2, doc: 'Retries of a provider judge call on 429/5xx/timeouts' },
  EVAL_WORKER_CONCURRENCY: {
    parse: int(1, 1000),
    default: 32,
    doc: 'Cases one worker process executes at once: chunk jobs run their cases one by one and borrow idle slots',
  },
  EVAL_WORKER_MAX_CONCURRENCY_GLOBAL: { parse: int(0, 100_000), default: 0, doc: 'Chunk jobs running at once across all workers (0 = no cap)' },
  EVAL_WORKER_MAX_CONCURRENCY_PER_ORG: { parse: int(0, 100_000), default: 0, doc: 'Chunk jobs of one org running at once across all workers (0 = no cap)' },
  EVAL_WORKER_CHUNK_SIZE: { parse: int(1, 1000), default: 20, doc: 'Cases per chunk job' },
  EVAL_WORKER_ATTEMPTS: { parse: int(1, 50), default: 5, doc: 'Tries of a chunk job (transient agent or provider errors)' },
  EVAL_WORKER_BACKOFF_MS: { parse: int(10, 600_000), default: 1000, doc: 'First retry delay; doubles each try' },
  EVAL_WORKER_MAX_BACKOFF_MS: { parse: int(10, 3_600_000), default: 60_000, doc: 'Cap of the retry delay' },
  EVAL_WORKER_LOCK_MS: { parse: int(1000, 600_000), default: 30_000, doc: 'Job lock; a job of a dead worker is taken over after about this long' },
  EVAL_RUN_MAX_RUNTIME_SECONDS: { parse: int(1, 7 * 86_400), default: 6 * 3600, doc: 'A running run older than this is failed (EVAL_RUN_TIMEOUT)' },
  EVAL_WORKER_INFRA_RETRY_MAX_MS: {
    parse: int(10, 600_000),
    default: 5_000,
    doc: 'Longest wait before a run job that failed because Postgres or Redis was unreachable tries again (such tries use up no attempts)',
  },
  EVAL_RUN_RECOVERY_INTERVAL_MS: {
    parse: int(0, 3_600_000),
    default: 30_000,
    doc: 'How often each worker looks for running runs whose jobs are gone (and that made no progress for as long); 0 = never',
  },
  EVAL_RUN_MAX_RESUMES: { parse: int(0, 100), default: 3, doc: 'Times a run whose jobs were lost is resumed before it fails (EVAL_RUN_INFRASTRUCTURE_ERROR)' },
  QUEUE_OPS_SCAN_LIMIT: {
    parse: int(100, 1_000_000),
    default: 20_000,
    doc: 'Most jobs per queue state that one queue-operations request inspects (org-scoped counts, failed-job lists, prune)',
  },
  QUEUE_MAINTENANCE_INTERVAL_MS: {
    parse: int(0, 86_400_000),
    default: 300_000,
    doc: 'How often the worker runs scheduled queue maintenance (reap + prune per org policy); also its dedupe window (at most one scheduled run per org per interval); 0 = never',
  },
  QUEUE_MAINTENANCE_LEASE_MS: {
    parse: int(3000, 3_600_000),
    default: 60_000,
    doc: 'Lease of a running maintenance run, renewed every third of it; a run whose lease expired (its process died) is failed as orphaned by the next trigger',
  },
  JOB_SCHEDULER_CHECK_INTERVAL_MS: {
    parse: int(1000, 3_600_000),
    default: 30_000,
    doc: 'How often the worker checks that every job scheduler (maintenance, outbox sweep, idempotency purge) exists in Redis and recreates lost ones; also on every Redis reconnect',
  },
  QUEUE_STALE_RUN_SECONDS: {
    parse: int(10, 7 * 86_400),
    default: 900,
    doc: 'Platform default: a run with no live job and no progress for this long is stale (reap)',
  },
  QUEUE_RETENTION_DAYS: { parse: int(0, 3650), default: 7, doc: 'Platform default: finished jobs older than this are pruned' },
  NOTIFY_WEBHOOK_URL: {
    parse: optionalUrl(['http', 'https']),
    default: '',
    doc: 'Platform-wide webhook endpoint that receives the events of every org (empty = none)',
  },
  NOTIFY_WEBHOOK_EVENTS: { parse: eventList(), default: [] as string[], doc: 'Comma-separated event types sent to NOTIFY_WEBHOOK_URL (empty = all)' },
  NOTIFY_WEBHOOK_SECRET: { parse: optionalText(), default: '', doc: 'Signing secret of NOTIFY_WEBHOOK_URL (whsec_<base64> or any string; empty = unsigned)' },
  WEBHOOK_TIMEOUT_MS: { parse: int(100, 120_000), default: 15_000, doc: 'Timeout of one webhook delivery attempt' },
  WEBHOOK_RETRY_SCHEDULE_MS: {
    parse: intList(0, 7 * 86_400_000, 30),
    default: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    doc: 'Delays before each retry of a failed delivery (comma-separated ms); after the last, the delivery is dead',
  },
  WEBHOOK_MAX_RETRY_AFTER_MS: { parse: int(0, 7 * 86_400_000), default: 3_600_000, doc: 'Longest Retry-After of a receiver that is honoured' },
  WEBHOOK_DISABLE_AFTER_MS: { parse: int(1000, 90 * 86_400_000), default: 5 * 86_400_000, doc: 'An endpoint failing every delivery for this long is disabled' },
  WEBHOOK_SECRET_GRACE_MS: { parse: int(0, 30 * 86_400_000), default: 86_400_000, doc: 'How long a rotated-out secret still signs deliveries' },
  WEBHOOK_SWEEP_INTERVAL_MS: { parse: int(100, 3_600_000), default: 10_000, doc: 'How often the worker re-enqueues outbox rows that have no delivery job' },
  WEBHOOK_DELIVERY_CONCURRENCY: { parse: int(1, 1000), default: 32, doc: 'Webhook deliveries one worker process makes at once' },
  WEBHOOK_MAX_ENDPOINTS_PER_ORG: { parse: int(1, 1000), default: 20, doc: 'Most webhook endpoints one org may register' },
  GOLDEN_SET_MAX_FILE_BYTES: { parse: int(1024, 100 * 1024 * 1024), default: 10 * 1024 * 1024, doc: 'Largest golden set file accepted by upload-file' },
  GOLDEN_SET_MAX_ROWS: { parse: int(1, 1_000_000), default: 50_000, doc: 'Most cases one golden set upload may hold' },
  GOLDEN_SET_MAX_INPUT_CHARS: { parse: int(100, 1_000_000), default: 20_000, doc: 'Longest case input (characters), in JSON uploads, supersede and file rows' },
  GOLDEN_SET_MAX_EXPECTED_ANSWER_CHARS: { parse: int(100, 1_000_000), default: 20_000, doc: 'Longest expected answer of a case (characters)' },
  GOLDEN_SET_MAX_CRITERIA_CHARS: { parse: int(100, 1_000_000), default: 10_000, doc: 'Longest criteria (rubric) of a case (characters)' },
  GOLDEN_SET_PARSE_CONCURRENCY: { parse: int(1, 64), default: 2, doc: 'Uploaded files parsed at once, each in its own worker thread; more wait their turn' },
} satisfies Record<string, VarSpec<unknown>>;

type Schema = typeof ENV_SCHEMA;
export type AppConfigValues = { [K in keyof Schema]: Schema[K] extends VarSpec<infer T> ? T : never };

/** Parses `env` against the schema; throws ConfigError naming every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfigValues {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV_SCHEMA) as [string, VarSpec<unknown>][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (spec.default === undefined) problems.push(`${name}: is required (${spec.doc})`);
      else out[name] = spec.default;
      continue;
    }
    try {
      out[name] = spec.parse(raw);
    } catch (err) {
      const shown = /URL$/.test(name) ? redactUrl(raw) : /TOKEN$/.test(name) ? '<redacted>' : raw;
      problems.push(`${name}: ${(err as Error).message} (got ${JSON.stringify(shown)})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as AppConfigValues;
}

/** Hides a password in a connection URL before it is printed. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return raw.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }
}
