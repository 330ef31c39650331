import { Module } from '@nestjs/common';
import { ActivityService } from './activity/activity.service';
import { AuditLogsService } from './audit/audit-logs.service';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { GuardedHttpClient } from './outbound/guarded-http-client';

const PROVIDERS = [ActivityService, AuditLogsService, IdempotencyStore, GuardedHttpClient];

/**
 * What every feature stands on: the activity log, the audit ledger, the idempotency store and the
 * guarded outbound HTTP client. Needs ConfigModule, DatabaseModule and the queue modules in the app.
 */
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class PlatformModule {}
