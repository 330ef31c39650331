import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@greenlight/config';
import { DatabaseModule } from '@greenlight/database';
import { PlatformModule } from '@greenlight/platform';
import { QueueModule, RedisModule } from '@greenlight/queue';
import { AuditLogWriter } from './audit-log.writer';
import { HealthController, HealthService, SERVICE_NAME } from './health';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Cross-cutting HTTP pieces shared by both apps: health, metrics, audit writer, idempotency. */
@Global()
@Module({ imports: [PlatformModule] })
export class HttpPlatformModule {
  static forRoot(service: 'api' | 'worker'): DynamicModule {
    const providers = [{ provide: SERVICE_NAME, useValue: service }, HealthService, MetricsService, AuditLogWriter, IdempotencyInterceptor];
    return {
      module: HttpPlatformModule,
      imports: [PlatformModule],
      controllers: [HealthController, MetricsController],
      providers,
      exports: providers,
    };
  }
}

/** What both apps stand on: config, Postgres, Redis, BullMQ producers, shared platform services, HTTP platform. */
export function platformModules(config: AppConfig, service: 'api' | 'worker') {
  return [ConfigModule.forRoot(config), DatabaseModule, RedisModule, QueueModule.forRoot(service), PlatformModule, HttpPlatformModule.forRoot(service)];
}
