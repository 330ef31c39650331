import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { PrefixOwnership } from './prefix-owner';
import { EVAL_FLOWS } from './flows';
import { JobProducer } from './job-producer';
import { queueJobDefaults } from './job-options';
import { QueueErrorLog } from './queue-error-log';
import { bullConnection, producerConnection } from './redis-options';

export const ALL_QUEUES: QueueName[] = Object.values(QueueName);
export { EVAL_FLOWS };

/**
 * BullMQ connection and every queue, registered for producing. Both apps import it; only the worker
 * consumes. The api's connection fails fast while Redis is down (its requests answer 503); the
 * worker's waits for Redis to come back, as consuming requires. Each queue gives its jobs the
 * options of its settings (tries, backoff, retention) unless a job sets its own.
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
          }),
          // Processors start once PrefixOwnership has claimed the prefix for this database.
          extraOptions: { manualRegistration: true },
        }),
        BullModule.registerQueueAsync(
          ...ALL_QUEUES.map((name) => ({
            name,
            inject: [AppConfig],
            useFactory: (config: AppConfig) => ({ defaultJobOptions: queueJobDefaults(config, name) }),
          })),
        ),
        BullModule.registerFlowProducer({ name: EVAL_FLOWS }),
      ],
      providers: [JobProducer, PrefixOwnership, QueueErrorLog],
      exports: [BullModule, JobProducer, PrefixOwnership],
    };
  }
}
