import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { JobCancellation } from './job-cancellation';
import { JobPruner } from './job-pruner';
import { JobRetries } from './job-retries';
import { MAINTENANCE_ALERT_NOTIFIER, OutboxAlertNotifier } from './maintenance-alerts';
import { MaintenanceEvents } from './maintenance-events';
import { MaintenancePolicies } from './maintenance-policies';
import { MaintenanceRunReaper } from './maintenance-run-reaper';
import { MaintenanceRunner } from './maintenance-runner';
import { MaintenanceRuns } from './maintenance-runs';
import { MaintenanceSchedule } from './maintenance-schedule';
import { QueueCleanup } from './queue-cleanup';
import { QueueJobs } from './queue-jobs';
import { QueueStats } from './queue-stats';
import { ScheduleAlerts } from './schedule-alerts';
import { ScheduleReports } from './schedule-reports';
import { StaleRunReaper } from './stale-run-reaper';

const QUEUE_OPS = [QueueStats, QueueJobs, JobRetries, JobCancellation, JobPruner, QueueCleanup, StaleRunReaper];
const MAINTENANCE = [
  MaintenancePolicies,
  MaintenanceEvents,
  MaintenanceRunReaper,
  MaintenanceRunner,
  MaintenanceRuns,
  MaintenanceSchedule,
  ScheduleReports,
  ScheduleAlerts,
];

/** Running the queues: inspection, retries and cancels, stale-run reaping, pruning and scheduled maintenance. */
@Module({
  imports: [PlatformModule, EvaluationModule, NotificationsModule],
  providers: [...QUEUE_OPS, ...MAINTENANCE, { provide: MAINTENANCE_ALERT_NOTIFIER, useClass: OutboxAlertNotifier }],
  exports: [...QUEUE_OPS, ...MAINTENANCE, MAINTENANCE_ALERT_NOTIFIER],
})
export class OperationsModule {}
