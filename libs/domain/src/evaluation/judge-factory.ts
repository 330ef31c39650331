import { createHash } from 'node:crypto';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '../domain-error';
import { canonicalJson } from '../idempotency/canonical-json';
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
  private readonly entries = new Map<string, Promise<JudgeResult>>();
  private readonly settled = new Set<string>();
  private readonly maxEntries: number;

  constructor(
    readonly inner: Judge,
    options: CachingJudgeOptions = {},
  ) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 5_000);
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

  /** sha256 of the canonical JSON of everything that can change a verdict within a run. */
  cacheKey(input: JudgeInput): string {
    return createHash('sha256')
      .update(
        canonicalJson({
          judge: { mode: this.inner.mode, model: this.inner.model, prompt_version: this.inner.prompt_version },
          evaluation_mode: input.mode,
          case: input.case,
          actual: input.actual,
          profile: { id: input.profile.id, version: input.profile.version },
        }),
      )
      .digest('hex');
  }

  judge(input: JudgeInput): Promise<CachedJudgeResult> {
    return this.judgeWithCache(input);
  }

  async judgeWithCache(input: JudgeInput): Promise<CachedJudgeResult> {
    const key = this.cacheKey(input);
    const existing = this.entries.get(key);
    if (existing) {
      this.hits++;
      if (this.settled.has(key)) {
        // Refresh recency: Map iteration order is insertion order, so re-insert at the end.
        this.entries.delete(key);
        this.entries.set(key, existing);
      }
      return copy(await existing, true);
    }
    this.misses++;
    const pending = this.inner.judge(input);
    this.entries.set(key, pending);
    try {
      const result = await pending;
      this.settled.add(key);
      this.evict();
      return copy(result, false);
    } catch (err) {
      this.entries.delete(key);
      throw err;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    if (this.settled.size <= this.maxEntries) return;
    for (const key of this.entries.keys()) {
      if (this.settled.size <= this.maxEntries) break;
      if (!this.settled.has(key)) continue;
      this.entries.delete(key);
      this.settled.delete(key);
    }
  }
}

/** Each caller gets its own objects, so one case's post-processing cannot leak into another's. */
function copy(r: JudgeResult, cacheHit: boolean): CachedJudgeResult {
  return structuredClone({ ...r, cache_hit: cacheHit });
}
