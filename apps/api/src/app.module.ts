import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@greenlight/auth';
import { AppConfig } from '@greenlight/config';
import { platformModules } from '@greenlight/http';
import { AgentsModule } from './agents/agents.module';
import { EvaluationModule } from './evaluation/evaluation.module';
import { GoldenSetsModule } from './golden-sets/golden-sets.module';
import { NotificationsModule } from './notifications/notifications.module';
import { QueueOpsModule } from './queue-ops/queue-ops.module';
import { SystemModule } from './system/system.module';

/** The HTTP API. It produces jobs and never consumes them. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformModules(config, 'api'),
        AuthModule,
        SystemModule,
        AgentsModule,
        GoldenSetsModule,
        EvaluationModule,
        QueueOpsModule,
        NotificationsModule,
      ],
    };
  }
}
