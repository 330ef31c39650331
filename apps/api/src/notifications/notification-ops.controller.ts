import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { NotificationOpsService } from '@greenlight/notifications';
import { ApiEnvelope, ApiErrors, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import {
  DeadLetterSummaryQuery,
  DeadLetterSummaryView,
  DrainOutboxDto,
  DrainOutboxQuery,
  DrainView,
  ListOutboxQuery,
  OutboxItemView,
} from './dto/notifications.dto';

/** The notification outbox: one row per event and endpoint; its id is the delivery id. */
@ApiTags('Operations')
@Controller('api/v1/system/notifications/outbox')
export class NotificationOpsController {
  constructor(private readonly ops: NotificationOpsService) {}

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'Outbox deliveries, newest first (filters org_id, status, event_type, endpoint_id)' })
  @ApiEnvelope(OutboxItemView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListOutboxQuery) {
    const { limit, offset, ...filter } = query;
    return this.ops.list(actor, filter, { limit, offset });
  }

  @Get('dead-letter-summary')
  @Auth('admin')
  @ApiOperation({ summary: 'Dead deliveries grouped by reason and by age' })
  @ApiEnvelope(DeadLetterSummaryView)
  deadLetterSummary(@CurrentActor() actor: Actor, @Query() query: DeadLetterSummaryQuery) {
    return this.ops.deadLetterSummary(actor, query);
  }

  @Post('drain')
  @HttpCode(200)
  @Auth('admin')
  @ApiOperation({
    summary: 'Make pending deliveries due now (oldest first, up to limit) and make sure each has a job',
    description: 'limit (1..1000, default 100) may be sent in the query string or in the body; when both are given, the query string wins.',
  })
  @ApiEnvelope(DrainView)
  drain(@CurrentActor() actor: Actor, @Query() query: DrainOutboxQuery, @Body() body: DrainOutboxDto) {
    return this.ops.drain(actor, { org_id: body.org_id, limit: query.limit ?? body.limit ?? 100 });
  }

  @Get(':outbox_id')
  @Auth('admin')
  @ApiOperation({ summary: 'One outbox delivery' })
  @ApiEnvelope(OutboxItemView)
  get(@CurrentActor() actor: Actor, @Param('outbox_id', UuidParamPipe) id: string) {
    return this.ops.get(actor, id);
  }

  @Post(':outbox_id/retry')
  @HttpCode(200)
  @Auth('admin')
  @ApiOperation({
    summary: 'Send a dead delivery again from a fresh retry schedule',
    description: 'A delivery being sent answers 409 NOTIFICATION_OUTBOX_IN_PROGRESS; a delivered one 409 NOTIFICATION_OUTBOX_NOT_RETRYABLE.',
  })
  @ApiEnvelope(OutboxItemView)
  @ApiErrors({
    409: 'NOTIFICATION_OUTBOX_IN_PROGRESS: the delivery is being sent right now, or changed state meanwhile; NOTIFICATION_OUTBOX_NOT_RETRYABLE: the delivery was delivered',
  })
  retry(@CurrentActor() actor: Actor, @Param('outbox_id', UuidParamPipe) id: string) {
    return this.ops.retry(actor, id);
  }
}
