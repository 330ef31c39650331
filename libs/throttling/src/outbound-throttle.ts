import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { REDIS_CLIENT } from '@greenlight/queue';
import { estimateRequestTokens, reportedTokens } from './judge-tokens';
import { retryAfterMs } from './retry-after';
import { Grant, SharedLimiter, ThrottleWaitError } from './shared-limiter';
import { SlidingWindow, windowKeys, WindowKeys, WindowLimit } from './sliding-window';
import { recordWait } from './wait-ledger';

/** Agents whose limit is kept in memory at once. */
const AGENT_CACHE_SIZE = 10_000;
/** An agent's calls-per-second limit counts over one second. */
const AGENT_WINDOW_MS = 1000;
/** Waits shorter than this are not worth a log line. */
const NOTABLE_WAIT_MS = 1000;

/**
 * Rate limits on outbound calls shared by every worker process (and the api's synchronous execute)
 * through Redis: requests and tokens per window for each judge model, calls per second for each agent,
 * and the pause a provider's 429 with Retry-After puts on every caller of that model.
 */
@Injectable()
export class OutboundThrottle {
  private readonly logger = new Logger('OutboundThrottle');
  private readonly limiter: SharedLimiter;
  private readonly agentLimits: LRUCache<string, { limit: number }>;

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.limiter = new SharedLimiter(new SlidingWindow(redis), this.logger);
    this.agentLimits = new LRUCache({ max: AGENT_CACHE_SIZE, ttl: Math.max(1, config.get('AGENT_LIMIT_CACHE_MS')) });
  }

  /** The requests and tokens per window a judge model may use (0 = not limited). */
  judgeLimit(model: string): WindowLimit {
    const own = this.config.get('JUDGE_RATE_LIMITS')[model];
    return {
      max_calls: own ? own.rpm : this.config.get('JUDGE_RATE_LIMIT_RPM'),
      max_tokens: own ? own.tpm : this.config.get('JUDGE_RATE_LIMIT_TPM'),
      hold_ms: this.config.get('THROTTLE_WINDOW_MS') + this.config.get('THROTTLE_GUARD_MS'),
    };
  }

  judgeKeys(model: string): WindowKeys {
    return windowKeys(this.config.get('REDIS_PREFIX'), `judge:${model}`);
  }

  /**
   * The fetch a provider judge of `model` uses. Every request (the SDK's retries included) waits for a
   * slot of the model's shared limits and for any pause a provider 429 set, then goes out. The judge's
   * timeout counts from when the request is sent: a request that waited gets a timer of its own
   * (`timeoutMs`) instead of the one that ran while it waited. A 429 with Retry-After pauses the model
   * for every worker; the answer still goes back to the SDK, whose retry waits for that pause too.
   */
  judgeFetch(model: string, inner: typeof globalThis.fetch, timeoutMs?: number): typeof globalThis.fetch {
    const keys = this.judgeKeys(model);
    const label = `judge model ${model}`;
    return async (input, init) => {
      const limit = this.judgeLimit(model);
      const tokens = limit.max_tokens > 0 ? estimateRequestTokens(init?.body, this.config.get('JUDGE_COMPLETION_TOKENS_ESTIMATE')) : 0;
      let grant: Grant;
      try {
        grant = await this.limiter.acquire(keys, limit, tokens, { max_wait_ms: this.config.get('THROTTLE_MAX_WAIT_MS'), label });
      } catch (err) {
        if (err instanceof ThrottleWaitError) return heldBack(err);
        throw err;
      }
      this.noteWait('judge_wait_ms', label, grant);
      const res = await sendWithFreshTimer(inner, input, init, grant.waited_ms > 0 ? timeoutMs : undefined);
      if (res.status === 429) await this.pauseFor(keys, label, res);
      else if (grant.id && limit.max_tokens > 0) {
        const used = await reportedTokens(res);
        if (used !== null) await this.limiter.step(() => this.limiter.window.reconcile(keys, grant.id!, used));
      }
      return res;
    };
  }

  /**
   * Waits until agent `agentId` may be called under its max_calls_per_second (read from the agent,
   * kept for AGENT_LIMIT_CACHE_MS); answers how long it waited. Throws ThrottleWaitError when `signal`
   * aborts or the wait would pass THROTTLE_MAX_WAIT_MS.
   */
  async agentSlot(agentId: string, signal?: AbortSignal): Promise<number> {
    const perSecond = await this.agentLimit(agentId);
    if (!perSecond) return 0;
    const label = `agent ${agentId}`;
    const grant = await this.limiter.acquire(
      windowKeys(this.config.get('REDIS_PREFIX'), `agent:${agentId}`),
      { max_calls: perSecond, max_tokens: 0, hold_ms: AGENT_WINDOW_MS + this.config.get('THROTTLE_GUARD_MS') },
      0,
      { max_wait_ms: this.config.get('THROTTLE_MAX_WAIT_MS'), signal, label },
    );
    this.noteWait('agent_wait_ms', label, grant);
    return grant.waited_ms;
  }

  /** The agent's max_calls_per_second (null = unlimited), from a short cache. */
  async agentLimit(agentId: string): Promise<number | null> {
    const cached = this.config.get('AGENT_LIMIT_CACHE_MS') > 0 ? this.agentLimits.get(agentId) : undefined;
    if (cached) return cached.limit || null;
    const rows: { max_calls_per_second: number | null }[] = await this.dataSource.query('SELECT max_calls_per_second FROM agents WHERE id = $1', [agentId]);
    const limit = rows[0]?.max_calls_per_second ?? 0;
    this.agentLimits.set(agentId, { limit });
    return limit || null;
  }

  private async pauseFor(keys: WindowKeys, label: string, res: Response): Promise<void> {
    const asked = retryAfterMs(res.headers);
    if (asked === null) return;
    const ms = Math.min(asked, this.config.get('THROTTLE_MAX_PAUSE_MS'));
    const set = await this.limiter.step(() => this.limiter.window.pause(keys, ms));
    if (set) this.logger.log(`${label} answered 429: every worker holds its calls for ${ms} ms`);
  }

  private noteWait(kind: 'judge_wait_ms' | 'agent_wait_ms', label: string, grant: Grant): void {
    recordWait(kind, grant.waited_ms);
    if (grant.waited_ms >= NOTABLE_WAIT_MS) this.logger.debug(`${label} waited ${grant.waited_ms} ms for its rate limit`);
  }
}

/**
 * The answer to a judge request that waited too long for its slot: a 429 of our own, marked as not
 * worth retrying by the SDK (each retry would wait as long again), with a code that tells it apart
 * from the provider's own 429. The judge reports it as EVAL_JUDGE_PROVIDER_ERROR, retryable, so the
 * run's job is tried again later.
 */
function heldBack(err: ThrottleWaitError): Response {
  recordWait('judge_wait_ms', err.waited_ms);
  const body = {
    error: { message: `held back by Greenlight's shared rate limit: ${err.message}`, type: 'rate_limit_wait', param: null, code: 'rate_limit_wait' },
  };
  return new Response(JSON.stringify(body), { status: 429, headers: { 'content-type': 'application/json', 'x-should-retry': 'false' } });
}

/**
 * Sends the request. With `timeoutMs` the request gets a signal of its own that aborts after that
 * long, in place of the caller's: the caller's timer started before the wait for a slot.
 */
async function sendWithFreshTimer(
  inner: typeof globalThis.fetch,
  input: Parameters<typeof globalThis.fetch>[0],
  init: RequestInit | undefined,
  timeoutMs: number | undefined,
): Promise<Response> {
  if (!timeoutMs) return inner(input, init);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation timed out', 'AbortError')), timeoutMs);
  try {
    return await inner(input, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
