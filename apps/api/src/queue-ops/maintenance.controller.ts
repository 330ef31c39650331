import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { MaintenanceSchedule, MaintenanceService, QueueOpsService } from '@greenlight/operations';
import { ApiEnvelope, RequireIdempotencyKey, UuidParamPipe } from '@greenlight/http';
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

/** Queue maintenance (seed steps 100–110). The worker runs the same maintenance on a job scheduler. */
@ApiTags('Operations')
@Controller('api/v1/system/queue')
export class MaintenanceController {
  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly schedule: MaintenanceSchedule,
    private readonly ops: QueueOpsService,
  ) {}

  @Get('maintenance-policy')
  @Auth('admin')
  @ApiOperation({ summary: "The org's maintenance policy, or the platform defaults when it has none" })
  @ApiEnvelope(MaintenancePolicyView)
  getPolicy(@CurrentActor() actor: Actor, @Query() query: MaintenanceOrgQuery) {
    return this.maintenance.getPolicy(actor, query.org_id);
  }

  @Post('maintenance-policy')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({ summary: "Create or update the org's maintenance policy; fields left out keep their current value" })
  @ApiEnvelope(MaintenancePolicyView)
  upsertPolicy(@CurrentActor() actor: Actor, @Body() body: UpsertMaintenancePolicyDto) {
    const { org_id, stale_heartbeat_seconds: _alias, ...input } = body;
    return this.maintenance.upsertPolicy(actor, org_id, { ...input, stale_run_seconds: staleRunSeconds(body) });
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
  async run(@CurrentActor() actor: Actor, @Body() body: RunMaintenanceDto) {
    const org = (await this.ops.scope(actor, body.org_id, true))!;
    return this.maintenance.run(actor, org, { dry_run: body.dry_run ?? true, overrides: overrides(body) });
  }

  @Get('maintenance/runs')
  @Auth('admin')
  @ApiOperation({ summary: 'The maintenance runs ledger, newest first' })
  @ApiEnvelope(MaintenanceRunView, { paginated: true })
  listRuns(@CurrentActor() actor: Actor, @Query() query: ListMaintenanceRunsQuery) {
    const { limit, offset, ...filter } = query;
    return this.maintenance.listRuns(actor, filter, { limit, offset });
  }

  @Get('maintenance/runs/:run_id')
  @Auth('admin')
  @ApiOperation({ summary: 'One maintenance run with its policy snapshot and reap/prune summaries' })
  @ApiEnvelope(MaintenanceRunView)
  getRun(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) id: string) {
    return this.maintenance.getRun(actor, id);
  }

  @Get('maintenance/metrics')
  @Auth('admin')
  @ApiOperation({ summary: 'Maintenance run counts, failure rate and duration percentiles over window_days' })
  @ApiEnvelope(MaintenanceMetricsView)
  metrics(@CurrentActor() actor: Actor, @Query() query: MaintenanceMetricsQuery) {
    return this.maintenance.metrics(actor, query.org_id, query.window_days ?? 30);
  }

  @Post('maintenance/reap-stale-runs')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Fail maintenance runs left running (their process died); each gets an audit entry MAINTENANCE_RUN_REAPED',
  })
  @ApiEnvelope(ReapStaleMaintenanceRunsView)
  async reapStaleRuns(@CurrentActor() actor: Actor, @Body() body: ReapStaleMaintenanceRunsDto) {
    const org = await this.ops.scope(actor, body.org_id, false);
    return this.maintenance.reapStaleRuns(actor, org, { max_runtime_seconds: body.max_runtime_seconds ?? 900, dry_run: body.dry_run ?? false });
  }

  @Post('maintenance/schedule-trigger')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Scheduler-safe maintenance trigger: at most one completed run per schedule window',
    description:
      'Within the window of window_minutes, a completed run of the same schedule_name and dry_run mode is returned (deduped: true) instead of running again, ' +
      'unless force. Audited as SCHEDULE_TRIGGER_EXECUTED or SCHEDULE_TRIGGER_DEDUPED.',
  })
  @ApiEnvelope(ScheduleTriggerView)
  async scheduleTrigger(@CurrentActor() actor: Actor, @Body() body: ScheduleTriggerDto) {
    const org = (await this.ops.scope(actor, body.org_id, true))!;
    return this.schedule.trigger(actor, org, {
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
  async scheduleSummary(@CurrentActor() actor: Actor, @Query() query: ScheduleSummaryQuery) {
    const org = (await this.ops.scope(actor, query.org_id, true))!;
    return this.maintenance.scheduleSummary(org, query.schedule_name ?? null, query.window_days ?? 30);
  }

  @Post('maintenance/schedule-summary/notify')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: "Alert schedule anomalies against the org's policy thresholds, with a cooldown per anomaly",
    description:
      'Outcomes: sent, failed, suppressed (same anomaly within the cooldown), skipped (no anomaly, or alerts disabled), dry_run; each is recorded ' +
      'and audited as SCHEDULE_ANOMALY_NOTIFY_<OUTCOME>. Alerts currently go to the org activity feed (event queue_schedule_anomaly).',
  })
  @ApiEnvelope(NotifyScheduleView)
  async notify(@CurrentActor() actor: Actor, @Body() body: NotifyScheduleDto) {
    const org = (await this.ops.scope(actor, body.org_id, true))!;
    return this.maintenance.notify(actor, org, {
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
  async alertDelivery(@CurrentActor() actor: Actor, @Query() query: ScheduleSummaryQuery) {
    const org = (await this.ops.scope(actor, query.org_id, true))!;
    return this.maintenance.alertDelivery(org, query.schedule_name ?? null, query.window_days ?? 30);
  }
}
