import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '@greenlight/contracts';
import type {
  DeadLetterSummaryView as DeadLetterSummaryModel,
  DeliveryAttemptView as DeliveryAttemptModel,
  DrainView as DrainModel,
  OutboxItemView as OutboxItemModel,
  TestDeliveryView as TestDeliveryModel,
  WebhookEndpointView as WebhookEndpointModel,
} from '@greenlight/notifications';
import { IsHttpUrl, PageQuery, QueryBoolean, QueryNumber, OptionalField, NullableField, OrgIdFilter } from '@greenlight/http';

const EVENTS = [...WEBHOOK_EVENT_TYPES];
const OUTBOX_STATUSES = ['pending', 'sending', 'delivered', 'dead'] as const;

export class CreateWebhookEndpointDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Global keys: the org (required). Org keys: always their own org.' })
  @OptionalField()
  @IsUUID()
  org_id?: string;
  @ApiProperty({ example: 'https://hooks.example.com/greenlight', maxLength: 2048 }) @IsHttpUrl() url: string;
  @ApiPropertyOptional({ maxLength: 500, example: 'CI notifications' }) @OptionalField() @IsString() @Length(0, 500) description?: string;
  @ApiPropertyOptional({ enum: EVENTS, isArray: true, description: 'Events to receive; empty or omitted = every event' })
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(EVENTS.length)
  @IsIn(EVENTS, { each: true })
  event_types?: string[];

  @ApiPropertyOptional({ default: true }) @OptionalField() @IsBoolean() enabled?: boolean;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: 2048 }) @OptionalField() @IsHttpUrl() url?: string;
  @ApiPropertyOptional({ type: String, maxLength: 500, nullable: true, description: 'null clears it' })
  @NullableField()
  @IsString()
  @Length(0, 500)
  description?: string | null;
  @ApiPropertyOptional({ enum: EVENTS, isArray: true })
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(EVENTS.length)
  @IsIn(EVENTS, { each: true })
  event_types?: string[];
  @ApiPropertyOptional({ description: 'true re-enables a disabled endpoint (its failure streak is cleared)' }) @OptionalField() @IsBoolean() enabled?: boolean;
}

export class ListWebhookEndpointsQuery extends PageQuery {
  @OrgIdFilter()
  org_id?: string;
  @ApiPropertyOptional({ type: Boolean }) @OptionalField() @QueryBoolean() @IsBoolean() enabled?: boolean;
}

export class ListDeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['delivered', 'failed'] }) @OptionalField() @IsIn(['delivered', 'failed']) outcome?: 'delivered' | 'failed';
  @ApiPropertyOptional({ enum: EVENTS }) @OptionalField() @IsIn(EVENTS) event_type?: string;
}

export class WebhookEndpointView implements WebhookEndpointModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty() url: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: EVENTS, isArray: true, description: 'Empty = every event' }) event_types: string[];
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) disabled_reason: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) disabled_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true, description: 'First failure of the current failure streak' }) failing_since: Date | null;
  @ApiProperty() consecutive_failures: number;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_success_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true, description: 'Until then the rotated-out secret also signs deliveries' })
  previous_secret_expires_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}

export class WebhookEndpointSecretView {
  @ApiProperty({ type: WebhookEndpointView }) endpoint: WebhookEndpointView;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret, shown once (Standard Webhooks form). An Idempotency-Key replay answers null.',
  })
  secret: string | null;
}

export class DeletedWebhookEndpointView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: [true] }) deleted: true;
}

export class DeliveryAttemptView implements DeliveryAttemptModel {
  @ApiProperty() attempt_id: string;
  @ApiProperty({ format: 'uuid', description: 'The delivery id (webhook-id): the same on every attempt' }) delivery_id: string;
  @ApiProperty({ format: 'uuid' }) event_id: string;
  @ApiProperty({ example: 'eval_run.completed' }) event_type: string;
  @ApiProperty() attempt: number;
  @ApiProperty({ enum: ['delivered', 'failed'] }) outcome: 'delivered' | 'failed';
  @ApiProperty({ type: Number, nullable: true }) status_code: number | null;
  @ApiProperty() latency_ms: number;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ enum: OUTBOX_STATUSES }) delivery_status: string;
}

export class TestDeliveryView implements TestDeliveryModel {
  @ApiProperty({ enum: ['webhook.test'] }) event_type: 'webhook.test';
  @ApiProperty({ format: 'uuid' }) delivery_id: string;
  @ApiProperty({ enum: ['delivered', 'retrying', 'dead', 'skipped'] }) outcome: 'delivered' | 'retrying' | 'dead' | 'skipped';
  @ApiProperty({ type: Number, nullable: true }) attempt: number | null;
  @ApiProperty({ type: Number, nullable: true }) status_code: number | null;
  @ApiProperty({ type: Number, nullable: true }) latency_ms: number | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) next_attempt_at: Date | null;
}

export class ListOutboxQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ enum: OUTBOX_STATUSES }) @OptionalField() @IsIn(OUTBOX_STATUSES) status?: (typeof OUTBOX_STATUSES)[number];
  @ApiPropertyOptional({ example: 'eval_run.completed' }) @OptionalField() @IsString() @Length(1, 100) event_type?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() endpoint_id?: string;
}

export class DrainOutboxDto {
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100, description: 'A limit in the query string wins over this one' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** `?limit=` as well as the body: the query form is the one schedulers and older clients send. */
export class DrainOutboxQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, description: 'Wins over a limit in the body' })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class DeadLetterSummaryQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ example: 'eval_run.failed' }) @OptionalField() @IsString() @Length(1, 100) event_type?: string;
}

export class OutboxItemView implements OutboxItemModel {
  @ApiProperty({ format: 'uuid', description: 'The delivery id (webhook-id, X-Greenlight-Delivery-Id, body delivery_id)' }) id: string;
  @ApiProperty({ format: 'uuid' }) event_id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'null: the platform endpoint (NOTIFY_WEBHOOK_URL)' }) endpoint_id: string | null;
  @ApiProperty() target_url: string;
  @ApiProperty({ example: 'eval_run.completed' }) event_type: string;
  @ApiProperty({ enum: OUTBOX_STATUSES }) status: (typeof OUTBOX_STATUSES)[number];
  @ApiProperty() attempts: number;
  @ApiProperty({ format: 'date-time', type: String }) next_attempt_at: Date;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_attempt_at: Date | null;
  @ApiProperty({ type: Number, nullable: true }) last_status_code: number | null;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['retries_exhausted', 'gone', 'endpoint_disabled', 'blocked_address'] }) dead_reason: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) delivered_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}

export class DrainView implements DrainModel {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty() limit: number;
  @ApiProperty() selected: number;
  @ApiProperty({ description: 'Deliveries that had no job and got one' }) enqueued: number;
  @ApiProperty({ description: 'Delayed retries moved forward to run now' }) promoted: number;
}

class ReasonGroupView {
  @ApiProperty({ example: 'retries_exhausted' }) reason: string;
  @ApiProperty() count: number;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
  @ApiProperty({ format: 'date-time', type: String }) last_at: Date;
}

class AgeBucketsView {
  @ApiProperty() lt_1h: number;
  @ApiProperty() h_1_to_24: number;
  @ApiProperty() d_1_to_7: number;
  @ApiProperty() gte_7d: number;
}

export class DeadLetterSummaryView implements DeadLetterSummaryModel {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty({ type: String, nullable: true }) event_type: string | null;
  @ApiProperty() total_dead: number;
  @ApiProperty({ type: Number, nullable: true }) oldest_dead_age_seconds: number | null;
  @ApiProperty({ type: [ReasonGroupView] }) reason_groups: ReasonGroupView[];
  @ApiProperty({ type: AgeBucketsView }) age_buckets: AgeBucketsView;
}
