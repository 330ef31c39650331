import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@greenlight/auth';
import { AppConfig } from '@greenlight/config';
import { platformModules } from '@greenlight/http';
import { AgentsApiModule } from './agents/agents.module';
import { EvaluationApiModule } from './evaluation/evaluation.module';
import { GoldenSetsApiModule } from './golden-sets/golden-sets.module';
import { NotificationsApiModule } from './notifications/notifications.module';
import { QueueOpsApiModule } from './queue-ops/queue-ops.module';
import { SystemApiModule } from './system/system.module';
import { PatternsApiModule } from './patterns/patterns.module';
import { CalibrationApiModule } from './calibration/calibration.module';
import { CompareApiModule } from './compare/compare.module';
import { RegistryApiModule } from './registry/registry.module';
import { LaunchApiModule } from './launch/launch.module';

/** The HTTP API. It produces jobs and never consumes them. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformModules(config, 'api'),
        AuthModule,
        SystemApiModule,
        AgentsApiModule,
        GoldenSetsApiModule,
        EvaluationApiModule,
        QueueOpsApiModule,
        NotificationsApiModule,
        PatternsApiModule,
        CalibrationApiModule,
        CompareApiModule,
        RegistryApiModule,
        LaunchApiModule,
      ],
    };
  }
}
