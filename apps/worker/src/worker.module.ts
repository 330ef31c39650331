import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { platformModules } from '@greenlight/http';
import { AsyncRunExecutor, EvaluationModule } from '@greenlight/evaluation';
import { NotificationsModule } from '@greenlight/notifications';
import { OperationsModule } from '@greenlight/operations';
import { PlatformModule } from '@greenlight/platform';
import { EvalRunsWorker } from './processors/eval-runs.worker';
import { NotificationsWorker } from './processors/notifications.worker';
import { SystemProcessor } from './processors/system.processor';
import { RedisPolicyCheck } from './redis-policy.check';
import { JobSchedulers } from './schedulers/job-schedulers';

/** The worker: BullMQ processors and schedulers, plus a health server. It consumes jobs. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [...platformModules(config, 'worker'), PlatformModule, EvaluationModule, NotificationsModule, OperationsModule],
      providers: [RedisPolicyCheck, SystemProcessor, JobSchedulers, AsyncRunExecutor, EvalRunsWorker, NotificationsWorker],
    };
  }
}
