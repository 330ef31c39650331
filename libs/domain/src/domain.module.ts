import { Global, Module } from '@nestjs/common';
import { ActivityService } from './activity/activity.service';
import { InvokeContractService } from './agents/invoke-contract.service';
import { EvalRunsService } from './evaluation/eval-runs.service';
import { EvalTemplatesService } from './evaluation/eval-templates.service';
import { RunExecutionService } from './evaluation/run-execution.service';
import { RunQueueService } from './evaluation/run-queue.service';
import { RunRecoveryService } from './evaluation/run-recovery.service';
import { GoldenSetFileIngestService } from './golden-sets/golden-set-file-ingest.service';
import { GoldenSetsService } from './golden-sets/golden-sets.service';
import { AgentsService } from './agents/agents.service';
import { AuditLogsService } from './audit/audit-logs.service';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { ApiKeysService } from './keys/api-keys.service';
import { OrgsService } from './orgs/orgs.service';
import { EvalProfilesService } from './profiles/eval-profiles.service';
import { GuardedHttpClient } from './outbound/guarded-http-client';
import { NotificationOpsService } from './notifications/notification-ops.service';
import { NotificationOutbox } from './notifications/outbox.service';
import { WebhookDeliveryService } from './notifications/webhook-delivery.service';
import { WebhookEndpointsService } from './notifications/webhook-endpoints.service';
import { MAINTENANCE_ALERT_NOTIFIER, OutboxAlertNotifier } from './queue-ops/maintenance-alerts';
import { MaintenanceService } from './queue-ops/maintenance.service';
import { MaintenanceRunner } from './queue-ops/maintenance-runner';
import { MaintenanceSchedule } from './queue-ops/maintenance-schedule';
import { QueueOpsService } from './queue-ops/queue-ops.service';
import { StaleRunReaper } from './queue-ops/stale-run-reaper';

const SERVICES = [
  ActivityService,
  AgentsService,
  AuditLogsService,
  IdempotencyStore,
  ApiKeysService,
  OrgsService,
  EvalProfilesService,
  GoldenSetsService,
  GoldenSetFileIngestService,
  EvalTemplatesService,
  EvalRunsService,
  RunExecutionService,
  RunQueueService,
  RunRecoveryService,
  InvokeContractService,
  GuardedHttpClient,
  QueueOpsService,
  StaleRunReaper,
  MaintenanceService,
  MaintenanceRunner,
  MaintenanceSchedule,
  NotificationOutbox,
  WebhookDeliveryService,
  WebhookEndpointsService,
  NotificationOpsService,
];

/** Domain services; needs DatabaseModule and ConfigModule in the importing app. */
@Global()
@Module({
  providers: [...SERVICES, { provide: MAINTENANCE_ALERT_NOTIFIER, useClass: OutboxAlertNotifier }],
  exports: [...SERVICES, MAINTENANCE_ALERT_NOTIFIER],
})
export class DomainModule {}
