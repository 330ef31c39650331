import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { Clock } from '@greenlight/platform';
import { RunLifecycle } from '../lifecycle/run-lifecycle';
import type { RunContext } from './execution.types';

/** What a run keeps of an execution in `design_context.execution`. */
export interface ExecutionSummary {
  executed_at: string;
  duration_ms: number;
  result_count: number | null;
  error_count: number | null;
  judge_cache: { hits: number; misses: number };
  executor_mode: string;
  judge_mode: string;
}

/** Gives a running run its terminal state from its results, whoever finished executing it. */
@Injectable()
export class RunFinisher {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly lifecycle: RunLifecycle,
    private readonly clock: Clock,
  ) {}

  /**
   * Failed (EVAL_EXECUTOR_RUNTIME_ERROR) when no case could be executed, completed otherwise; the
   * execution summary goes on the run, `details` on its terminal event. Throws the lifecycle's
   * EVAL_RUN_STATUS_TRANSITION_INVALID when the execution no longer owns the run.
   */
  async finishFromResults(ctx: RunContext, elapsedMs: number, details: Record<string, unknown> = {}): Promise<EvalRunEntity> {
    const { run } = ctx;
    const [{ total, errors }] = await this.db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'error')::int AS errors FROM eval_results WHERE run_id = $1`,
      [run.id],
    );
    const design_context = { execution: this.executionSummary(ctx, elapsedMs, Number(total), Number(errors)) };
    if (Number(total) > 0 && Number(errors) === Number(total)) {
      const [first] = await this.db.query(`SELECT error_message FROM eval_results WHERE run_id = $1 AND status = 'error' LIMIT 1`, [run.id]);
      const failure = {
        code: ErrorCode.EVAL_EXECUTOR_RUNTIME_ERROR,
        reason: `every case failed to execute; first error: ${first?.error_message ?? 'unknown'}`,
      };
      return this.lifecycle.fail(run.id, ctx.epoch, failure, { design_context, details });
    }
    return this.lifecycle.complete(run.id, ctx.epoch, { design_context, details });
  }

  /** The execution summary of `ctx` after `elapsedMs`; counts are null when the execution stopped before counting. */
  executionSummary(ctx: RunContext, elapsedMs: number, results: number | null, errors: number | null): ExecutionSummary {
    return {
      executed_at: this.clock.date().toISOString(),
      duration_ms: Math.round(elapsedMs),
      result_count: results,
      error_count: errors,
      judge_cache: { hits: ctx.judge.hits, misses: ctx.judge.misses },
      executor_mode: ctx.config.executor.mode,
      judge_mode: ctx.config.judge.mode,
    };
  }
}
