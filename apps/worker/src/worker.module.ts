import { DynamicModule, Module } from '@nestjs/common';
import { CalibrationModule } from '@greenlight/calibration';
import { AppConfig } from '@greenlight/config';
import { platformModules } from '@greenlight/http';
import { AsyncRunExecutor, EvaluationModule } from '@greenlight/evaluation';
import { LaunchModule } from '@greenlight/launch';
import { NotificationsModule } from '@greenlight/notifications';
import { OperationsModule } from '@greenlight/operations';
import { PlatformModule } from '@greenlight/platform';
import { JobMetrics } from './consumers/job-metrics';
import { QUEUE_CONSUMERS, QueueWorkers } from './consumers/queue-workers';
import { EvalRunsConsumer } from './processors/eval-runs.consumer';
import { NotificationsConsumer } from './processors/notifications.consumer';
import { SystemConsumer } from './processors/system.consumer';
import { RedisPolicyCheck } from './redis-policy.check';
import { JobSchedulers } from './schedulers/job-schedulers';

/** One consumer per queue; QueueWorkers runs them. */
const CONSUMERS = [SystemConsumer, EvalRunsConsumer, NotificationsConsumer];

/**
 * The worker: a BullMQ worker per queue and the job schedulers, plus a health server. It consumes jobs.
 * Calibration and launch are imported for the hooks they add to runs (the calibration gate, SLO checks).
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [...platformModules(config, 'worker'), PlatformModule, EvaluationModule, NotificationsModule, OperationsModule, CalibrationModule, LaunchModule],
      providers: [
        RedisPolicyCheck,
        JobSchedulers,
        AsyncRunExecutor,
        ...CONSUMERS,
        { provide: QUEUE_CONSUMERS, inject: CONSUMERS, useFactory: (...consumers: unknown[]) => consumers },
        JobMetrics,
        QueueWorkers,
      ],
    };
  }
}
