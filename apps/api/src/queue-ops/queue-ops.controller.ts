import { Body, Controller, Get, HttpCode, Injectable, Param, PipeTransform, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { JobCancellation, JobRetries, QueueCleanup, QueueJobs, QueueStats } from '@greenlight/operations';
import { DomainError } from '@greenlight/platform';
import { ApiEnvelope, ApiErrors, RequireIdempotencyKey } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import {
  CancelJobView,
  FailedJobsPageView,
  JobLookupQuery,
  ListFailedJobsQuery,
  OrgScopeQuery,
  PruneJobsDto,
  PruneView,
  QueueJobView,
  QueueStatsView,
  ReapStaleJobsDto,
  ReapView,
  ReplayFailedJobsDto,
  ReplayView,
  RetryJobDto,
  RetryJobView,
} from './dto/queue-ops.dto';
import { staleRunSeconds } from './dto/stale-run-alias';

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9:_.-]{0,254}$/;

/** BullMQ job ids: run jobs look like `chunk-<run>-<epoch>-<n>`, scheduler jobs like `repeat:<id>:<ms>`. */
@Injectable()
export class JobIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !JOB_ID.test(value)) {
      throw DomainError.validation('job_id is not a valid job id', [{ field: 'job_id', messages: ['must be 1-255 characters of A-Z a-z 0-9 : _ . -'] }]);
    }
    return value;
  }
}

const JOB_PARAM = {
  name: 'job_id',
  description: 'BullMQ job id, e.g. chunk-<run_id>-<epoch>-<chunk>',
  example: 'start-7f0c2b7e-1111-4d2a-9c1e-2f6b7d1a0001-1',
};

@ApiTags('Operations')
@Controller('api/v1/system/queue')
export class QueueOpsController {
  constructor(
    private readonly queueStats: QueueStats,
    private readonly jobs: QueueJobs,
    private readonly retries: JobRetries,
    private readonly cancellation: JobCancellation,
    private readonly cleanup: QueueCleanup,
  ) {}

  @Get('stats')
  @Auth('admin')
  @ApiOperation({ summary: 'Queue and run counts, retry backlog, dead letters, oldest queued run' })
  @ApiEnvelope(QueueStatsView)
  stats(@CurrentActor() actor: Actor, @Query() query: OrgScopeQuery) {
    return this.queueStats.stats(actor, query.org_id);
  }

  @Get('jobs/failed')
  @Auth('admin')
  @ApiOperation({ summary: 'The dead-letter set: jobs that failed after every attempt, oldest first' })
  @ApiEnvelope(FailedJobsPageView)
  failed(@CurrentActor() actor: Actor, @Query() query: ListFailedJobsQuery) {
    const { limit, offset, ...filter } = query;
    return this.jobs.listFailed(actor, filter, { limit, offset });
  }

  @Get('jobs/:job_id')
  @Auth('admin')
  @ApiOperation({ summary: 'One job: state, attempts, failure reason, progress' })
  @ApiParam(JOB_PARAM)
  @ApiEnvelope(QueueJobView)
  job(@CurrentActor() actor: Actor, @Param('job_id', JobIdPipe) jobId: string, @Query() query: JobLookupQuery) {
    return this.jobs.view(actor, jobId, query.queue);
  }

  @Post('jobs/failed/replay')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Replay failed jobs, oldest first (limit 1..100, delay 0..3600 s, dry_run)',
    description:
      'A job of an eval run requeues its run: a live run, or one that failed on our side, resumes (its results are kept); another finished run ' +
      'is reopened afresh. Several failed jobs of one run requeue it once.',
  })
  @ApiEnvelope(ReplayView)
  replay(@CurrentActor() actor: Actor, @Body() body: ReplayFailedJobsDto) {
    return this.retries.replay(actor, {
      org_id: body.org_id,
      queue: body.queue,
      limit: body.limit ?? 10,
      delay_seconds: body.delay_seconds ?? 0,
      dry_run: body.dry_run ?? false,
    });
  }

  @Post('jobs/reap-stale')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Reap runs nobody executes any more',
    description:
      'A running run with no live job and no progress for stale_run_seconds: a synchronous execute whose process died fails with EVAL_RUN_STALE ' +
      '(start resumes it); a queued run whose jobs were lost is resumed (new epoch, cases with a result skipped), completed when every case has a ' +
      'result, or failed with EVAL_RUN_INFRASTRUCTURE_ERROR once resumed EVAL_RUN_MAX_RESUMES times. One running longer than max_runtime_seconds ' +
      "fails with EVAL_RUN_TIMEOUT; a pending run whose start job is gone is requeued. Omitted parameters come from the org's maintenance policy.",
  })
  @ApiEnvelope(ReapView)
  reapStale(@CurrentActor() actor: Actor, @Body() body: ReapStaleJobsDto) {
    const { stale_heartbeat_seconds: _alias, ...input } = body;
    return this.cleanup.reapRuns(actor, { ...input, stale_run_seconds: staleRunSeconds(body) });
  }

  @Post('jobs/prune')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Remove finished (completed and failed) jobs older than the retention window',
    description: "Omitted parameters come from the org's maintenance policy.",
  })
  @ApiEnvelope(PruneView)
  prune(@CurrentActor() actor: Actor, @Body() body: PruneJobsDto) {
    return this.cleanup.pruneJobs(actor, body);
  }

  @Post('jobs/:job_id/retry')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Retry one failed job',
    description: 'Only failed jobs are retryable (else 409 QUEUE_JOB_NOT_RETRYABLE). A job of an eval run requeues its run (see replay).',
  })
  @ApiParam(JOB_PARAM)
  @ApiEnvelope(RetryJobView)
  @ApiErrors({
    409: 'QUEUE_JOB_NOT_RETRYABLE: the job is not in the failed set (details.state); for a job of an eval run, also CONFLICT: the run changed while it was being requeued, GOLDEN_SET_QUALITY_GATE_BLOCKED: the golden set quality gate the run asks for blocks it; CALIBRATION_GATE_BLOCKED: the calibration gate the run asks for blocks it (details.reasons), or EVAL_RUN_STATUS_TRANSITION_INVALID: the run changed status while it was being reopened',
  })
  retry(@CurrentActor() actor: Actor, @Param('job_id', JobIdPipe) jobId: string, @Query() query: JobLookupQuery, @Body() body: RetryJobDto) {
    return this.retries.retry(actor, jobId, { queue: query.queue, delay_seconds: body.delay_seconds ?? 0 });
  }

  @Post('jobs/:job_id/cancel')
  @HttpCode(200)
  @Auth('admin')
  @RequireIdempotencyKey()
  @ApiOperation({
    summary: 'Cancel a job',
    description: 'A job of an eval run cancels its run (chunks stop between cases). A job that has finished answers cancelled: false with its state.',
  })
  @ApiParam(JOB_PARAM)
  @ApiEnvelope(CancelJobView)
  cancel(@CurrentActor() actor: Actor, @Param('job_id', JobIdPipe) jobId: string, @Query() query: JobLookupQuery) {
    return this.cancellation.cancel(actor, jobId, query.queue);
  }
}
