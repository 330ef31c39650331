import { Module } from '@nestjs/common';
import { AccountsModule } from '@greenlight/accounts';
import { GoldenSetsModule } from '@greenlight/golden-sets';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { InvokeContractService } from './agent-calls/invoke-contract.service';
import { EvalRunsService } from './eval-runs.service';
import { EvalTemplatesService } from './eval-templates.service';
import { RunExecutionService } from './run-execution.service';
import { RunQueueService } from './run-queue.service';
import { RunRecoveryService } from './run-recovery.service';
import { RunEventLog } from './lifecycle/run-event-log';
import { RunLifecycle } from './lifecycle/run-lifecycle';

const PROVIDERS = [
  RunEventLog,
  RunLifecycle,
  EvalTemplatesService,
  EvalRunsService,
  RunExecutionService,
  RunQueueService,
  RunRecoveryService,
  InvokeContractService,
];

/** Evaluation runs: create, execute (inline or on the queue), score with a judge, recover. */
@Module({ imports: [PlatformModule, AccountsModule, GoldenSetsModule, NotificationsModule], providers: PROVIDERS, exports: PROVIDERS })
export class EvaluationModule {}
