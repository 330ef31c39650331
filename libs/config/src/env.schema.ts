import { z } from 'zod';
import { EVALUATION_SETTINGS } from './env-evaluation';
import { LAUNCH_SETTINGS } from './env-launch';
import { NOTIFICATION_SETTINGS } from './env-notifications';
import { QUEUE_SETTINGS } from './env-queues';
import { THROTTLE_SETTINGS } from './env-throttle';
import { flag, int, oneOf, optionalToken, originList, setting, text, url } from './env-rules';

/**
 * The one schema for every environment variable Greenlight reads. Each entry checks its variable and
 * gives its value when unset; `loadConfig` reports every bad variable by name and refuses to start.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Runtime, connections, HTTP serving, keys, logging. */
const SERVICE_SETTINGS = {
  NODE_ENV: setting(oneOf(['development', 'production', 'test']), 'development', 'Runtime mode'),
  DATABASE_URL: setting(url(['postgres', 'postgresql']), 'postgres://postgres@127.0.0.1:5432/greenlight', 'PostgreSQL connection URL'),
  DATABASE_POOL_SIZE: setting(int(1, 200), 10, 'Max PostgreSQL connections per process'),
  REDIS_URL: setting(url(['redis', 'rediss']), 'redis://127.0.0.1:6379', 'Redis connection URL'),
  REDIS_PREFIX: setting(
    text(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . : -'),
    'greenlight',
    'Prefix of every Redis key (BullMQ queues, rate-limit counters)',
  ),
  REDIS_COMMAND_TIMEOUT_MS: setting(
    int(100, 600_000),
    5000,
    'Longest wait of an api request for one Redis command (queue operations, enqueueing) before it answers 503',
  ),
  HOST: setting(text(/^\S+$/, 'must be a host name or address'), '0.0.0.0', 'Interface both apps listen on'),
  PORT: setting(int(1, 65535), 3000, 'HTTP port of the api app'),
  WORKER_PORT: setting(int(0, 65535), 3001, 'HTTP port of the worker health server (0 = any free port, e.g. for several workers on one host)'),
  API_RATE_LIMIT_PER_MINUTE: setting(int(0, 1_000_000), 120, 'Requests per minute per API key (0 disables the limit); a key may carry its own limit'),
  API_KEY_DEFAULT_TTL_DAYS: setting(int(1, 3650), 90, 'Expiry of new API keys when none is given'),
  API_BODY_LIMIT_BYTES: setting(int(1024, 100 * 1024 * 1024), 1024 * 1024, 'Largest JSON body accepted'),
  IDEMPOTENCY_TTL_HOURS: setting(int(24, 24 * 30), 24, 'How long Idempotency-Key responses are kept'),
  AUDIT_LOG_FLUSH_MS: setting(int(10, 60_000), 500, 'How often buffered audit rows are written'),
  LOG_LEVEL: setting(oneOf(['error', 'warn', 'log', 'debug', 'verbose']), 'log', 'Log verbosity'),
  LOG_FORMAT: setting(
    oneOf(['auto', 'json', 'pretty']),
    'auto',
    'json: one JSON object per line with request ids; pretty: readable lines; auto: pretty on a terminal, json otherwise',
  ),
  SWAGGER_ENABLED: setting(flag(), true, 'Serve Swagger UI at /docs and the document at /docs-json'),
  AUTH_FAILURE_LIMIT_PER_MINUTE: setting(
    int(0, 100_000),
    30,
    'Failed authentications per client address and minute before the address gets 429 (0 disables the throttle); known-good keys still pass',
  ),
  CORS_ORIGINS: setting(originList(), [], 'Comma-separated browser origins allowed cross-origin (* = any); empty = no CORS headers'),
  METRICS_TOKEN: setting(optionalToken(), '', 'When set, /metrics requires Authorization: Bearer <token>'),
};

export const ENV_SCHEMA = z.object({
  ...SERVICE_SETTINGS,
  ...EVALUATION_SETTINGS,
  ...THROTTLE_SETTINGS,
  ...QUEUE_SETTINGS,
  ...NOTIFICATION_SETTINGS,
  ...LAUNCH_SETTINGS,
});

export type AppConfigValues = z.output<typeof ENV_SCHEMA>;

/** Parses `env` against the schema; throws ConfigError naming every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfigValues {
  const parsed = ENV_SCHEMA.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(problems(parsed.error, env));
}

/** One line per invalid variable (its first problem), in schema order; secrets never printed. */
function problems(error: z.ZodError, env: NodeJS.ProcessEnv): string[] {
  const lines = new Map<string, string>();
  for (const issue of error.issues) {
    const name = String(issue.path[0]);
    if (!lines.has(name)) lines.set(name, `${name}: ${issue.message} (got ${JSON.stringify(shown(name, env[name] ?? ''))})`);
  }
  return [...lines.values()];
}

function shown(name: string, raw: string): string {
  if (/URL$/.test(name)) return redactUrl(raw);
  return /TOKEN$/.test(name) ? '<redacted>' : raw;
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
