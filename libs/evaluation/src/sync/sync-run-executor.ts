import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode, runTrials } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { DomainError } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { budgetFailureReason, BudgetExceeded } from '../budget/run-budget';
import { RunBudgetLedger } from '../budget/run-budget-ledger';
import { CaseLoader, TrialCursor } from '../execution/case-loader';
import { CaseRunner } from '../execution/case-runner';
import { mapWithConcurrency } from '../execution/concurrency';
import type { CaseRow, RunContext } from '../execution/execution.types';
import { ProgressiveWrites } from '../execution/progressive-writes';
import { RunResultWriter } from '../execution/result-writer';
import { RunFinisher } from '../execution/run-finisher';
import { RunGatesCheck } from '../execution/run-gates-check';
import { RunLifecycle } from '../lifecycle/run-lifecycle';
import { cancelledError, transitionError } from '../lifecycle/run-transitions';
import { EvalRunsService } from '../runs/eval-runs.service';
import { RunStatistics } from '../runs/run-statistics';
import { presentRun, RunSummary, RunView } from '../runs/run-views';

/** Cases loaded per page of a synchronous execution. */
const PAGE = 250;

/**
 * `POST /eval/runs/{id}/execute`: the whole run in the request (small runs, debugging), on the API.
 * Cases run EVAL_SYNC_CONCURRENCY at once; outcomes are written as cases finish, so a process that
 * dies mid-run keeps them (the reaper then fails the run, and `start` resumes it).
 */
@Injectable()
export class SyncRunExecutor {
  private readonly logger = new Logger('SyncRunExecutor');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runs: EvalRunsService,
    private readonly statistics: RunStatistics,
    private readonly lifecycle: RunLifecycle,
    private readonly gates: RunGatesCheck,
    private readonly cases: CaseLoader,
    private readonly runner: CaseRunner,
    private readonly writer: RunResultWriter,
    private readonly finisher: RunFinisher,
    private readonly budget: RunBudgetLedger,
    private readonly config: AppConfig,
  ) {}

  async executeRun(actor: Actor, runId: string): Promise<{ run: RunView; summary: RunSummary }> {
    const run = await this.runs.load(actor, runId);
    this.assertExecutable(run);
    await this.gates.assertOpen(run);
    // Claiming a new epoch makes any start job queued for this run stale: never two executions at once.
    const running = await this.lifecycle.begin(run.id, 'sync', { bumpEpoch: true }).catch((err: unknown) => {
      // Cancelled by someone else since it was read: the same answer as a run that was cancelled already.
      const lostToCancel =
        err instanceof DomainError && err.code === ErrorCode.EVAL_RUN_STATUS_TRANSITION_INVALID && asObject(err.details).status === 'cancelled';
      throw lostToCancel ? cancelledError(run.id) : err;
    });
    const ctx = this.runner.prepare(running);
    const started = performance.now();
    // Outcomes are written as cases finish (bounded batches), so a process that dies mid-run keeps them.
    const writes = new ProgressiveWrites((outcomes) => this.writer.persist(ctx, outcomes));
    let stop: RunStop;
    try {
      await this.budget.open(ctx);
      stop = await this.runAllCases(ctx, writes);
    } catch (err) {
      return this.failed(ctx, err, performance.now() - started);
    }
    if (typeof stop === 'object') await this.failOnBudget(ctx, stop, performance.now() - started);
    try {
      const finished =
        stop === 'done' ? await this.finisher.finishFromResults(ctx, performance.now() - started, { execution: 'sync' }) : await this.runs.load(actor, run.id);
      return { run: presentRun(finished), summary: await this.statistics.summarize(finished) };
    } catch (err) {
      return this.failed(ctx, err, performance.now() - started);
    }
  }

  /** The run fails with the error's code, and the request answers with the error (naming the run and its status). */
  private async failed(ctx: RunContext, err: unknown, elapsedMs: number): Promise<never> {
    await this.failOnError(ctx, err, elapsedMs);
    if (err instanceof DomainError) {
      throw new DomainError(err.code, err.message, { ...asObject(err.details), run_id: ctx.run.id, run_status: 'failed' });
    }
    throw err;
  }

  /** Only a pending run of at most EVAL_SYNC_MAX_CASES case executions (cases × trials) is executed here. */
  private assertExecutable(run: EvalRunEntity): void {
    if (run.status === 'cancelled') throw cancelledError(run.id);
    const max = this.config.get('EVAL_SYNC_MAX_CASES');
    if (run.total_cases > max) {
      throw new DomainError(
        ErrorCode.EVAL_RUN_TOO_LARGE_FOR_SYNC,
        `the run has ${run.total_cases} ${runTrials(run.config) > 1 ? 'case trials' : 'cases'}; execute runs at most ${max} synchronously`,
        {
          run_id: run.id,
          total_cases: run.total_cases,
          max_sync_cases: max,
        },
      );
    }
    if (run.status !== 'pending') throw transitionError(run.id, run.status, 'running');
  }

  /**
   * Runs every trial of a case without a result, page by page, and waits for their writes. `stopped` when
   * the run stopped being this execution's meanwhile (cancelled, or restarted by someone else); the
   * budget limit when the run reached it: no case starts after that, those in flight finish and are kept.
   */
  private async runAllCases(ctx: RunContext, writes: ProgressiveWrites): Promise<RunStop> {
    let after: TrialCursor | null = null;
    let stop: RunStop = 'done';
    for (;;) {
      if (!(await this.stillRunningAtEpoch(ctx))) stop = 'stopped';
      if (stop !== 'done') break;
      const page = await this.cases.pageAfter(ctx.run, after, PAGE);
      if (page.length === 0) break;
      await mapWithConcurrency(page, this.config.get('EVAL_SYNC_CONCURRENCY'), async (c) => {
        if (stop !== 'done') return;
        writes.check();
        const refused = await this.budget.reserve(ctx);
        if (refused !== null) {
          if (stop === 'done') stop = refused === 'stale' ? 'stopped' : refused;
          return;
        }
        await this.runCase(ctx, c, writes);
      });
      const last = page[page.length - 1];
      after = { position: last.position, id: last.id, trial: last.trial };
    }
    await writes.drain();
    return stop;
  }

  /** One case: its outcome goes to the writes, what its judge spent to the budget. */
  private async runCase(ctx: RunContext, c: CaseRow, writes: ProgressiveWrites): Promise<void> {
    const outcome = await this.runner.runCase(ctx, c);
    writes.add(outcome);
    await this.budget.spend(ctx, outcome);
  }

  /**
   * The run reached its budget: it fails with EVAL_RUN_BUDGET_EXCEEDED (event, activity, webhook), its
   * results kept, and the request answers 409 with the limit and the usage.
   */
  private async failOnBudget(ctx: RunContext, exceeded: BudgetExceeded, elapsedMs: number): Promise<never> {
    const reason = budgetFailureReason(exceeded);
    const [{ n, errors }] = await this.db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'error')::int AS errors FROM eval_results WHERE run_id = $1`,
      [ctx.run.id],
    );
    const design_context = { execution: this.finisher.executionSummary(ctx, elapsedMs, Number(n), Number(errors)) };
    const failed = await this.lifecycle.fail(
      ctx.run.id,
      ctx.epoch,
      { code: ErrorCode.EVAL_RUN_BUDGET_EXCEEDED, reason },
      { design_context, details: { reason, execution: 'sync', ...exceeded } },
    );
    throw new DomainError(ErrorCode.EVAL_RUN_BUDGET_EXCEEDED, reason, {
      run_id: ctx.run.id,
      run_status: failed.status,
      ...exceeded,
      result_count: failed.completed_cases,
      total_cases: failed.total_cases,
    });
  }

  /** True while the run is still running at this execution's epoch (not cancelled, not restarted). */
  private async stillRunningAtEpoch(ctx: RunContext): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM eval_runs WHERE id = $1 AND status = 'running' AND queue_epoch = $2`, [ctx.run.id, ctx.epoch]);
    return rows.length > 0;
  }

  /** Marks the run failed with the error's code; never throws (the original error matters more). */
  private async failOnError(ctx: RunContext, err: unknown, elapsedMs: number): Promise<void> {
    const code = err instanceof DomainError ? err.code : ErrorCode.INTERNAL_ERROR;
    const reason = err instanceof DomainError ? err.message : 'internal error during execution';
    if (!(err instanceof DomainError)) this.logger.error(`run ${ctx.run.id} failed: ${(err as Error)?.stack ?? String(err)}`);
    try {
      const design_context = { execution: this.finisher.executionSummary(ctx, elapsedMs, null, null) };
      await this.lifecycle.fail(ctx.run.id, ctx.epoch, { code, reason }, { design_context, details: { reason, execution: 'sync' } });
    } catch (markErr) {
      this.logger.warn(`could not mark run ${ctx.run.id} failed: ${(markErr as Error).message}`);
    }
  }
}

/** How executing a run's cases ended: all done, stopped by someone else, or by the budget. */
type RunStop = 'done' | 'stopped' | BudgetExceeded;

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : v === null || v === undefined ? {} : { details: v };
}
