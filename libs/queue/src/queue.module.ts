import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { DynamicModule, Global, Injectable, Module } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { JOB_QUEUE, JobName, JobPayloads, QueueName } from '@greenlight/contracts';
import { PrefixOwnership } from './prefix-owner';
import { EVAL_FLOWS } from './flows';
import { QueueErrorLog } from './queue-error-log';
import { bullConnection, producerConnection } from './redis-options';

export const ALL_QUEUES: QueueName[] = Object.values(QueueName);
export { EVAL_FLOWS };

/** Typed producer: enqueueing a payload that does not match its job name does not compile. */
@Injectable()
export class JobProducer {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.System) system: Queue,
    @InjectQueue(QueueName.EvalRuns) evalRuns: Queue,
    @InjectQueue(QueueName.Notifications) notifications: Queue,
  ) {
    this.queues = { [QueueName.System]: system, [QueueName.EvalRuns]: evalRuns, [QueueName.Notifications]: notifications };
  }

  async enqueue<J extends JobName>(name: J, data: JobPayloads[J], opts?: JobsOptions): Promise<string> {
    const job = await this.queues[JOB_QUEUE[name]].add(name, data, opts);
    return job.id as string;
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }
}

/**
 * BullMQ connection and every queue, registered for producing. Both apps import it; only the worker
 * consumes. The api's connection fails fast while Redis is down (its requests answer 503); the
 * worker's waits for Redis to come back, as consuming requires.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(service: 'api' | 'worker'): DynamicModule {
    return {
      module: QueueModule,
      imports: [
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            connection:
              service === 'api' ? producerConnection(config.get('REDIS_URL'), config.get('REDIS_COMMAND_TIMEOUT_MS')) : bullConnection(config.get('REDIS_URL')),
            prefix: config.get('REDIS_PREFIX'),
            defaultJobOptions: { removeOnComplete: { age: 86_400, count: 10_000 }, removeOnFail: { age: 7 * 86_400 } },
          }),
          // Processors start once PrefixOwnership has claimed the prefix for this database.
          extraOptions: { manualRegistration: true },
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
        BullModule.registerFlowProducer({ name: EVAL_FLOWS }),
      ],
      providers: [JobProducer, PrefixOwnership, QueueErrorLog],
      exports: [BullModule, JobProducer, PrefixOwnership],
    };
  }
}
