import { Module } from '@nestjs/common';
import { ActivityService } from './activity/activity.service';
import { AuditLogsService } from './audit/audit-logs.service';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { GuardedHttpClient } from './outbound/guarded-http-client';
import { Clock, SystemClock } from './time/clock';

const PROVIDERS = [ActivityService, AuditLogsService, IdempotencyStore, GuardedHttpClient, { provide: Clock, useClass: SystemClock }];

/**
 * What every feature stands on: the activity log, the audit ledger, the idempotency store, the
 * guarded outbound HTTP client and the clock. Needs ConfigModule, DatabaseModule and the queue modules in the app.
 */
@Module({ providers: PROVIDERS, exports: [ActivityService, AuditLogsService, IdempotencyStore, GuardedHttpClient, Clock] })
export class PlatformModule {}
