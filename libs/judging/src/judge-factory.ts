import * as crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { DeterministicJudge } from './deterministic-judge';
import type { Judge, JudgeConfig, JudgeInput, JudgeResult } from './judge.types';
import { ProviderJudge } from './provider-judge';

/** Server-side settings a provider judge needs; the run's frozen JudgeConfig says which judge. */
export interface JudgeDeps {
  apiKey: string | null | undefined;
  baseURL?: string | null;
  /** Used when the run's config names no model. */
  defaultModel: string | null | undefined;
  timeoutMs: number;
  maxRetries: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * The judge of a run from its frozen config. The config's prompt_version must be the one this
 * server implements: judging a run with rules other than those it was created with would make its
 * scores incomparable, so that is a configuration error rather than a silent upgrade.
 */
export function createJudge(config: JudgeConfig, deps: JudgeDeps): Judge {
  let judge: Judge;
  switch (config?.mode) {
    case 'deterministic':
      judge = new DeterministicJudge();
      break;
    case 'provider':
      judge = ProviderJudge.create({
        apiKey: deps.apiKey,
        baseURL: deps.baseURL || undefined,
        model: config.model || deps.defaultModel,
        timeoutMs: deps.timeoutMs,
        maxRetries: deps.maxRetries,
        fetch: deps.fetch,
      });
      break;
    default:
      throw new DomainError(ErrorCode.EVAL_JUDGE_CONFIG_ERROR, `unknown judge mode "${String(config?.mode)}"`, {
        mode: config?.mode ?? null,
        supported: ['deterministic', 'provider'],
      });
  }
  if (config.prompt_version && config.prompt_version !== judge.prompt_version) {
    throw new DomainError(
      ErrorCode.EVAL_JUDGE_CONFIG_ERROR,
      `the run asks for judge prompt version "${config.prompt_version}"; this server's ${config.mode} judge is "${judge.prompt_version}"`,
      { mode: config.mode, prompt_version: config.prompt_version, available_prompt_version: judge.prompt_version },
    );
  }
  return judge;
}

export type CachedJudgeResult = JudgeResult & { cache_hit: boolean };

export interface CachingJudgeOptions {
  /** Settled results kept (least recently used evicted first); in-flight calls are always kept. */
  maxEntries?: number;
}

/**
 * Per-run memo around a judge: a golden set often repeats a case (or an agent repeats an answer),
 * and judging the same input twice costs provider tokens for an identical verdict. Identical
 * inputs are judged once, and concurrent identical calls share one in-flight promise. Failures are
 * not cached, so a later identical case tries again. Build one per run: the key leaves out the
 * profile's content, which a run freezes.
 */
export class CachingJudge implements Judge {
  hits = 0;
  misses = 0;
  /** Settled results, least recently used evicted first. No TTL: the cache lives as long as its run. */
  private readonly settled: LRUCache<string, JudgeResult>;
  /** Calls still running; never evicted, so concurrent identical cases always share one. */
  private readonly inFlight = new Map<string, Promise<JudgeResult>>();

  constructor(
    readonly inner: Judge,
    options: CachingJudgeOptions = {},
  ) {
    this.settled = new LRUCache({ max: Math.max(1, options.maxEntries ?? 5_000) });
  }

  get mode() {
    return this.inner.mode;
  }
  get model() {
    return this.inner.model;
  }
  get prompt_version() {
    return this.inner.prompt_version;
  }
  get prompt_hash() {
    return this.inner.prompt_hash;
  }

  /**
   * sha256 of everything that can change a verdict within a run: the judge's identity, the evaluation
   * mode, every field of the case and of the agent's answer, and the profile's id and version. The
   * fields go into a JSON array in a fixed order rather than through canonical (key-sorted) JSON of the
   * objects: the same content gives the same key whatever the key order of the objects, and building it
   * costs a fraction (no sorted copies of the input). A field added to JudgeInput must be added here.
   */
  cacheKey(input: JudgeInput): string {
    const { case: c, actual, profile } = input;
    return sha256Hex(
      JSON.stringify([
        this.inner.mode,
        this.inner.model,
        this.inner.prompt_version,
        input.mode,
        c.input,
        c.expected_answer,
        c.expected_sources,
        c.criteria,
        c.dimensions,
        actual.output,
        actual.sources,
        profile.id,
        profile.version,
      ]),
    );
  }

  judge(input: JudgeInput): Promise<CachedJudgeResult> {
    return this.judgeWithCache(input);
  }

  async judgeWithCache(input: JudgeInput): Promise<CachedJudgeResult> {
    const key = this.cacheKey(input);
    const done = this.settled.get(key);
    if (done) {
      this.hits++;
      return copy(done, true);
    }
    const running = this.inFlight.get(key);
    if (running) {
      this.hits++;
      return copy(await running, true);
    }
    this.misses++;
    const pending = this.inner.judge(input);
    this.inFlight.set(key, pending);
    try {
      const result = await pending;
      this.settled.set(key, result);
      return copy(result, false);
    } finally {
      this.inFlight.delete(key);
    }
  }

  get size(): number {
    return this.settled.size + this.inFlight.size;
  }
}

/** Each caller gets its own objects, so one case's post-processing cannot leak into another's. */
function copy(r: JudgeResult, cacheHit: boolean): CachedJudgeResult {
  const seen = new Map<object, unknown>();
  return { verdict: cloneJson(r.verdict, seen), trace: cloneJson(r.trace, seen), cache_hit: cacheHit };
}

/**
 * A deep copy of a JSON-shaped value (what judges return: plain objects, arrays, strings, numbers,
 * booleans, null), several times cheaper than structuredClone for these small trees. Like
 * structuredClone it keeps sharing within the copy (the deterministic judge's trace holds its verdict
 * object: the copy's trace holds the copy's verdict) and copes with cycles. Anything that is not plain
 * data (a Date, a Map...) goes to structuredClone, so it is still copied, never shared.
 */
function cloneJson<T>(value: T, seen: Map<object, unknown>): T {
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return known as T;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i], seen);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const other = structuredClone(value);
    seen.set(value, other);
    return other;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) {
    const v = cloneJson((value as Record<string, unknown>)[key], seen);
    // A "__proto__" key (JSON.parse makes it an own property) must stay data, not become the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}

/** One-shot `crypto.hash` where the runtime has it (Node >= 20.12): no Hash object per key. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
function sha256Hex(data: string): string {
  return oneShotHash ? oneShotHash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}
