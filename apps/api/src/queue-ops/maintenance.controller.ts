import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import {
  MaintenanceEvents,
  MaintenancePolicies,
  MaintenanceRunReaper,
  MaintenanceRuns,
  MaintenanceSchedule,
  ScheduleAlerts,
  ScheduleReports,
} from '@greenlight/operations';
import { ApiEnvelope, ApiErrors, RequireIdempotencyKey, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import {
  AlertDeliveryView,
  ListMaintenanceRunsQuery,
  MaintenanceMetricsQuery,
  MaintenanceMetricsView,
  MaintenanceOrgQuery,
  MaintenancePolicyView,
  MaintenanceRunResultView,
  MaintenanceRunView,
  NotifyScheduleDto,
  NotifyScheduleView,
  ReapStaleMaintenanceRunsDto,
  ReapStaleMaintenanceRunsView,
  RunMaintenanceDto,
  ScheduleSummaryQuery,
  ScheduleSummaryView,
  ScheduleTriggerDto,
  ScheduleTriggerView,
  UpsertMaintenancePolicyDto,
} from './dto/maintenance.dto';
import { ListMaintenanceEventsQuery, ListRunEventsQuery, MaintenanceEventView } from './dto/maintenance-events.dto';
import { staleRunSeconds } from './dto/stale-run-alias';

function overrides(b: RunMaintenanceDto) {
  return {
    stale_run_seconds: staleRunSeconds(b),
    max_runtime_seconds: b.max_runtime_seconds,
    retention_days: b.retention_days,
    reap_limit: b.reap_limit,
    prune_limit: b.prune_limit,
  };
}

/** Queue maintenance. The worker runs the same maintenance on a job scheduler. */
@ApiTags('Operations')
@Controller('api/v1/system/queue')
export class MaintenanceController {
  constructor(
    private readonly policies: MaintenancePolicies,
    private readonly runs: MaintenanceRuns,
    private readonly deadRuns: MaintenanceRunReaper,
    private readonly schedule: MaintenanceSchedule,
    private readonly reports: ScheduleReports,
    private readonly alerts: ScheduleAlerts,
    private readonly events: MaintenanceEvents,
  ) {}

  @Get('maintenance-policy')
  @Auth('admin')
  @ApiOperation({ summary: "The org's maintenance policy, or the platform defaults when it has none" })
  @ApiEnvelope(MaintenancePolicyView)
  getPolicy(@CurrentActor() actor: Actor, @Query() query: MaintenanceOrgQuery) {
    return this.policies.get(actor, query.org_id);
  }

  @Post('maintenance-policy')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({ summary: "Create or update the org's maintenance policy; fields left out keep their current value" })
  @ApiEnvelope(MaintenancePolicyView)
  upsertPolicy(@CurrentActor() actor: Actor, @Body() body: UpsertMaintenancePolicyDto) {
    const { org_id, stale_heartbeat_seconds: _alias, ...input } = body;
    return this.policies.upsert(actor, org_id, { ...input, stale_run_seconds: staleRunSeconds(body) });
  }

  @Post('maintenance/run')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Run maintenance for an org now: reap stale runs, then prune finished jobs (dry_run defaults to true)',
    description:
      'Recorded in the runs ledger. One maintenance run per org at a time: another answers 409 QUEUE_MAINTENANCE_ALREADY_RUNNING ' +
      '(details: running_run_id, started_at, lease_expires_at). A running run whose lease expired (its process died) is failed as orphaned first, and this one runs.',
  })
  @ApiEnvelope(MaintenanceRunResultView)
  @ApiErrors({
    409: 'QUEUE_MAINTENANCE_ALREADY_RUNNING: a maintenance run of the org is running (details.running_run_id, started_at, lease_expires_at)',
  })
  run(@CurrentActor() actor: Actor, @Body() body: RunMaintenanceDto) {
    return this.runs.run(actor, body.org_id, { dry_run: body.dry_run ?? true, overrides: overrides(body) });
  }

  @Get('maintenance/runs')
  @Auth('admin')
  @ApiOperation({ summary: 'The maintenance runs ledger, newest first' })
  @ApiEnvelope(MaintenanceRunView, { paginated: true })
  listRuns(@CurrentActor() actor: Actor, @Query() query: ListMaintenanceRunsQuery) {
    const { limit, offset, ...filter } = query;
    return this.runs.list(actor, filter, { limit, offset });
  }

  @Get('maintenance/runs/:run_id')
  @Auth('admin')
  @ApiOperation({ summary: 'One maintenance run with its policy snapshot and reap/prune summaries' })
  @ApiEnvelope(MaintenanceRunView)
  getRun(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) id: string) {
    return this.runs.get(actor, id);
  }

  @Get('maintenance/metrics')
  @Auth('admin')
  @ApiOperation({ summary: 'Maintenance run counts, failure rate and duration percentiles over window_days' })
  @ApiEnvelope(MaintenanceMetricsView)
  metrics(@CurrentActor() actor: Actor, @Query() query: MaintenanceMetricsQuery) {
    return this.runs.metrics(actor, query.org_id, query.window_days ?? 30);
  }

  @Post('maintenance/reap-stale-runs')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Fail maintenance runs left running (their process died); each becomes a run_reaped event of the run',
  })
  @ApiEnvelope(ReapStaleMaintenanceRunsView)
  reapStaleRuns(@CurrentActor() actor: Actor, @Body() body: ReapStaleMaintenanceRunsDto) {
    return this.deadRuns.reapStale(actor, body.org_id, { max_runtime_seconds: body.max_runtime_seconds ?? 900, dry_run: body.dry_run ?? false });
  }

  @Post('maintenance/schedule-trigger')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Scheduler-safe maintenance trigger: at most one completed run per schedule window',
    description:
      'Within the window of window_minutes, a completed run of the same schedule_name and dry_run mode is returned (deduped: true) instead of running again, ' +
      'unless force. Each call is a schedule_triggered event (outcome executed or deduped) of the run it returns.',
  })
  @ApiEnvelope(ScheduleTriggerView)
  @ApiErrors({
    409: 'QUEUE_MAINTENANCE_ALREADY_RUNNING: a maintenance run of the org is running (details.running_run_id, started_at, lease_expires_at)',
  })
  scheduleTrigger(@CurrentActor() actor: Actor, @Body() body: ScheduleTriggerDto) {
    return this.schedule.triggerFor(actor, body.org_id, {
      schedule_name: body.schedule_name,
      window_minutes: body.window_minutes ?? 60,
      dry_run: body.dry_run ?? true,
      force: body.force ?? false,
      overrides: overrides(body),
    });
  }

  @Get('maintenance/schedule-summary')
  @Auth('admin')
  @ApiOperation({ summary: 'Schedule triggers over window_days: executed vs deduped, execution success' })
  @ApiEnvelope(ScheduleSummaryView)
  scheduleSummary(@CurrentActor() actor: Actor, @Query() query: ScheduleSummaryQuery) {
    return this.reports.summary(actor, { org_id: query.org_id, schedule_name: query.schedule_name ?? null, window_days: query.window_days ?? 30 });
  }

  @Post('maintenance/schedule-summary/notify')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: "Alert schedule anomalies against the org's policy thresholds, with a cooldown per anomaly",
    description:
      'Outcomes: sent, failed, suppressed (same anomaly within the cooldown), skipped (no anomaly, or alerts disabled), dry_run; each is recorded ' +
      'as an anomaly_notified event with that outcome. Alerts go to the org activity feed (event queue_schedule_anomaly) and its webhooks.',
  })
  @ApiEnvelope(NotifyScheduleView)
  notify(@CurrentActor() actor: Actor, @Body() body: NotifyScheduleDto) {
    return this.alerts.notify(actor, {
      org_id: body.org_id,
      schedule_name: body.schedule_name ?? null,
      window_days: body.window_days ?? 30,
      dry_run: body.dry_run ?? false,
      force_notify: body.force_notify ?? false,
    });
  }

  @Get('maintenance/schedule-alert-delivery')
  @Auth('admin')
  @ApiOperation({ summary: 'Delivery status of schedule anomaly alerts over window_days' })
  @ApiEnvelope(AlertDeliveryView)
  alertDelivery(@CurrentActor() actor: Actor, @Query() query: ScheduleSummaryQuery) {
    return this.reports.alertDelivery(actor, { org_id: query.org_id, schedule_name: query.schedule_name ?? null, window_days: query.window_days ?? 30 });
  }

  @Get('maintenance/events')
  @Auth('admin')
  @ApiOperation({
    summary: 'The maintenance events ledger, newest first',
    description:
      'What maintenance did besides running: runs failed as stale (run_reaped) or orphaned (run_orphaned), schedule triggers (executed or deduped), ' +
      'anomaly alerts (sent, failed, suppressed, skipped, dry_run). Each names what caused it: an admin request (api_key_id, request_id) or the worker.',
  })
  @ApiEnvelope(MaintenanceEventView, { paginated: true })
  listEvents(@CurrentActor() actor: Actor, @Query() query: ListMaintenanceEventsQuery) {
    const { limit, offset, ...filter } = query;
    return this.events.list(actor, filter, { limit, offset });
  }

  @Get('maintenance/runs/:run_id/events')
  @Auth('admin')
  @ApiOperation({ summary: 'The events of one maintenance run (reaped, orphaned, the schedule triggers that ran or returned it), newest first' })
  @ApiEnvelope(MaintenanceEventView, { paginated: true })
  listRunEvents(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) id: string, @Query() query: ListRunEventsQuery) {
    const { limit, offset, ...filter } = query;
    return this.events.listForRun(actor, id, filter, { limit, offset });
  }
}
