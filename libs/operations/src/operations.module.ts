import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { MAINTENANCE_ALERT_NOTIFIER, OutboxAlertNotifier } from './maintenance-alerts';
import { MaintenanceRunner } from './maintenance-runner';
import { MaintenanceSchedule } from './maintenance-schedule';
import { MaintenanceService } from './maintenance.service';
import { QueueOpsService } from './queue-ops.service';
import { StaleRunReaper } from './stale-run-reaper';

const PROVIDERS = [QueueOpsService, StaleRunReaper, MaintenanceService, MaintenanceRunner, MaintenanceSchedule];

/** Running the queues: inspection, retries and drains, stale-run reaping and scheduled maintenance. */
@Module({
  imports: [PlatformModule, EvaluationModule, NotificationsModule],
  providers: [...PROVIDERS, { provide: MAINTENANCE_ALERT_NOTIFIER, useClass: OutboxAlertNotifier }],
  exports: [...PROVIDERS, MAINTENANCE_ALERT_NOTIFIER],
})
export class OperationsModule {}
