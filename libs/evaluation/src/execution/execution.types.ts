import type { EvalRunEntity } from '@greenlight/database';
import type { CaseToExecute, ExecutionOutput, Executor } from '../agent-calls/executors';
import type { CachingJudge } from '@greenlight/judging';
import type { JudgeInput, JudgeResult } from '@greenlight/judging';
import type { RunConfig } from '@greenlight/contracts';

// Types shared by the run executor and the modules it drives (result writer, chunk loader), kept apart so those
// modules need not import the executor back.

/** What a run needs while it executes, built once from its frozen config. */
export interface RunContext {
  run: EvalRunEntity;
  /** The queue epoch this execution belongs to; writes and the terminal move require it. */
  epoch: number;
  config: RunConfig;
  judge: CachingJudge;
  executor: Executor;
}

/** One execution of a case: the case, and which of the run's trials of it this is (1-based). */
export type CaseRow = CaseToExecute & { position: number; trial: number };
export interface CaseOutcome {
  case: CaseRow;
  status: 'scored' | 'error';
  execution: ExecutionOutput | null;
  judged: (JudgeResult & { cache_hit: boolean }) | null;
  input: JudgeInput | null;
  error: { code: string; message: string; details: unknown; retryable: boolean } | null;
  passed: boolean | null;
  case_latency_ms: number;
}
