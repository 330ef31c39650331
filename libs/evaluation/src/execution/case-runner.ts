import { Injectable } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { EvalRunEntity } from '@greenlight/database';
import { GuardedHttpClient } from '@greenlight/platform';
import { OutboundThrottle, withWaitLedger } from '@greenlight/throttling';
import { assertPolicyContract, CachingJudge, createJudge } from '@greenlight/judging';
import type { Judge, JudgeInput, JudgeResult, JudgeVerdict } from '@greenlight/judging';
import { ExecutionOutput, Executor, ExecutorError, HttpAgentExecutor, SimulatedExecutor } from '../agent-calls/executors';
import type { CaseOutcome, CaseRow, RunContext } from './execution.types';

/**
 * Runs one case of a run: calls the agent, judges the answer and checks the profile's policy
 * contract. The same for the synchronous execute and the worker's chunks.
 */
@Injectable()
export class CaseRunner {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly config: AppConfig,
    private readonly throttle: OutboundThrottle,
  ) {}

  /** The judge (with a per-run cache) and executor of a run, from its frozen config. */
  prepare(run: EvalRunEntity): RunContext {
    const { config } = run;
    const judge: Judge = createJudge(config.judge, {
      apiKey: this.config.get('OPENAI_API_KEY'),
      baseURL: this.config.get('OPENAI_BASE_URL') || undefined,
      defaultModel: this.config.get('EVAL_JUDGE_MODEL'),
      timeoutMs: this.config.get('EVAL_JUDGE_TIMEOUT_MS'),
      maxRetries: this.config.get('EVAL_JUDGE_MAX_RETRIES'),
      fetch: this.throttle.judgeFetch(config.judge.model || this.config.get('EVAL_JUDGE_MODEL'), this.http.fetch, this.config.get('EVAL_JUDGE_TIMEOUT_MS')),
    });
    // The agent's calls-per-second limit is read from the agent (briefly cached) before each call, so a
    // changed limit applies to runs already under way.
    const executor: Executor =
      config.executor.mode === 'agent_http'
        ? new HttpAgentExecutor(this.http, config.executor, (signal) => this.throttle.agentSlot(run.agent_id, signal))
        : new SimulatedExecutor();
    return { run, epoch: run.queue_epoch, config, judge: new CachingJudge(judge), executor };
  }

  /**
   * One case. An agent failure becomes an error outcome (the run goes on); judge and policy failures
   * throw (they are the run's configuration).
   */
  async runCase(ctx: RunContext, c: CaseRow, signal?: AbortSignal): Promise<CaseOutcome> {
    const started = performance.now();
    let execution: ExecutionOutput;
    try {
      execution = await ctx.executor.execute(c, signal);
    } catch (err) {
      if (!(err instanceof ExecutorError)) throw err;
      return {
        case: c,
        status: 'error',
        execution: null,
        judged: null,
        input: null,
        error: { code: err.code, message: err.message, details: err.details, retryable: err.retryable },
        passed: null,
        case_latency_ms: Math.round(performance.now() - started),
      };
    }
    const input: JudgeInput = {
      mode: c.evaluation_mode,
      case: { input: c.input, expected_answer: c.expected_answer, expected_sources: c.expected_sources, criteria: c.criteria, dimensions: c.dimensions },
      actual: { output: execution.output, sources: execution.sources },
      profile: ctx.config.profile,
    };
    // The judge is shared by the run's cases; its waits for the provider's limits are credited to this case.
    const { value: judged, ledger } = await withWaitLedger(() => judgeTrial(ctx, c, input));
    if (ledger.judge_wait_ms > 0) execution = { ...execution, trace: { ...execution.trace, judge_rate_limit_wait_ms: ledger.judge_wait_ms } };
    // The column keeps 2 decimals: round first, so `passed` and the stored score always agree.
    judged.verdict.quality_score = Math.round(judged.verdict.quality_score * 100) / 100;
    assertPolicyContract(judged.verdict, input);
    return {
      case: c,
      status: 'scored',
      execution,
      judged,
      input,
      error: null,
      passed: computePassed(judged.verdict, c.evaluation_mode, ctx.config.profile.scoring_scale.pass_threshold),
      case_latency_ms: Math.round(performance.now() - started),
    };
  }
}

/**
 * The verdict on one trial's answer. Identical inputs share a verdict within a run, except that a
 * provider judge sees every trial after the first afresh: repeated trials are there to show how much
 * the verdict varies, the judge's share included. The deterministic judge gives the same verdict anyway.
 */
async function judgeTrial(ctx: RunContext, c: CaseRow, input: JudgeInput): Promise<JudgeResult & { cache_hit: boolean }> {
  if (c.trial === 1 || ctx.config.judge.mode !== 'provider') return ctx.judge.judgeWithCache(input);
  return { ...(await ctx.judge.inner.judge(input)), cache_hit: false };
}

/** A result passes when its quality reaches the profile threshold and, in answer mode, the answer and sources are right. */
export function computePassed(v: JudgeVerdict, mode: 'answer' | 'criteria', threshold: number): boolean {
  if (v.quality_score < threshold) return false;
  if (mode === 'answer') return v.answer_correct === true && v.source_correct !== false;
  return true;
}
