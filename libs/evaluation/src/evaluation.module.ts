import { Module } from '@nestjs/common';
import { AccountsModule } from '@greenlight/accounts';
import { GoldenSetsModule } from '@greenlight/golden-sets';
import { NotificationsModule } from '@greenlight/notifications';
import { ResultReviewService } from './review/result-review.service';
import { PlatformModule } from '@greenlight/platform';
import { ThrottlingModule } from '@greenlight/throttling';
import { InvokeContractService } from './agent-calls/invoke-contract.service';
import { RunBudgetLedger } from './budget/run-budget-ledger';
import { CaseLoader } from './execution/case-loader';
import { CaseRunner } from './execution/case-runner';
import { RunResultWriter } from './execution/result-writer';
import { RunFinisher } from './execution/run-finisher';
import { RunGatesCheck } from './execution/run-gates-check';
import { RunEventLog } from './lifecycle/run-event-log';
import { RunHooks } from './lifecycle/run-hooks';
import { RunLifecycle } from './lifecycle/run-lifecycle';
import { RunQueueService } from './queue/run-queue.service';
import { RunRecoveryService } from './queue/run-recovery.service';
import { EvalRunsService } from './runs/eval-runs.service';
import { RunCreationService } from './runs/run-creation.service';
import { RunStatistics } from './runs/run-statistics';
import { SyncRunExecutor } from './sync/sync-run-executor';
import { EvalTemplatesService } from './templates/eval-templates.service';

const PROVIDERS = [
  // the run's state moves and its history
  RunLifecycle,
  RunEventLog,
  RunHooks,
  // API: create and read runs and templates, execute in the request, hand runs to the queue
  EvalTemplatesService,
  RunCreationService,
  EvalRunsService,
  RunStatistics,
  ResultReviewService,
  SyncRunExecutor,
  RunQueueService,
  RunRecoveryService,
  InvokeContractService,
  // the engine both execution paths share: load cases, run them, write results, finish the run
  RunGatesCheck,
  CaseLoader,
  CaseRunner,
  RunResultWriter,
  RunFinisher,
  // what budgeted runs spend, shared by every execution path and worker
  RunBudgetLedger,
];

/**
 * Evaluation runs: create, execute (in the request or on the queue), score with a judge, recover.
 * The worker provides AsyncRunExecutor itself (it needs the queue's flow producer); everything it
 * injects is exported here, the Clock included (through PlatformModule).
 */
@Module({
  imports: [PlatformModule, AccountsModule, GoldenSetsModule, NotificationsModule, ThrottlingModule],
  providers: PROVIDERS,
  exports: [...PROVIDERS, PlatformModule],
})
export class EvaluationModule {}
