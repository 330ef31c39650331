import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { WebhookEndpointsService } from '@greenlight/notifications';
import { ApiEnvelope, ApiErrors, SensitiveResponse, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import {
  CreateWebhookEndpointDto,
  DeletedWebhookEndpointView,
  DeliveryAttemptView,
  ListDeliveriesQuery,
  ListWebhookEndpointsQuery,
  TestDeliveryView,
  UpdateWebhookEndpointDto,
  WebhookEndpointSecretView,
  WebhookEndpointView,
} from './dto/notifications.dto';

/** An org's webhook endpoints. Deliveries are signed per Standard Webhooks; see the README for verification. */
@ApiTags('Operations')
@Controller('api/v1/webhooks/endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @Auth('admin')
  @SensitiveResponse('secret')
  @ApiOperation({
    summary: 'Register a webhook endpoint; its signing secret is returned once',
    description: 'The URL is checked against the outbound policy now and at every delivery (private, loopback and metadata addresses are refused).',
  })
  @ApiEnvelope(WebhookEndpointSecretView, { status: 201 })
  @ApiErrors({
    422: 'WEBHOOK_ENDPOINT_LIMIT_REACHED: the org has WEBHOOK_MAX_ENDPOINTS_PER_ORG endpoints already (details.limit)',
  })
  create(@CurrentActor() actor: Actor, @Body() body: CreateWebhookEndpointDto) {
    return this.endpoints.create(actor, body);
  }

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'List webhook endpoints, newest first (secrets are never listed)' })
  @ApiEnvelope(WebhookEndpointView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListWebhookEndpointsQuery) {
    const { limit, offset, ...filter } = query;
    return this.endpoints.list(actor, filter, { limit, offset });
  }

  @Get(':endpoint_id')
  @Auth('admin')
  @ApiOperation({ summary: 'One webhook endpoint, with its health (failure streak, disabled reason)' })
  @ApiEnvelope(WebhookEndpointView)
  get(@CurrentActor() actor: Actor, @Param('endpoint_id', UuidParamPipe) id: string) {
    return this.endpoints.get(actor, id);
  }

  @Patch(':endpoint_id')
  @Auth('admin')
  @ApiOperation({ summary: 'Change URL, description, event filter or enabled flag' })
  @ApiEnvelope(WebhookEndpointView)
  update(@CurrentActor() actor: Actor, @Param('endpoint_id', UuidParamPipe) id: string, @Body() body: UpdateWebhookEndpointDto) {
    return this.endpoints.update(actor, id, body);
  }

  @Delete(':endpoint_id')
  @Auth('admin')
  @ApiOperation({ summary: 'Delete the endpoint and its delivery history' })
  @ApiEnvelope(DeletedWebhookEndpointView)
  remove(@CurrentActor() actor: Actor, @Param('endpoint_id', UuidParamPipe) id: string) {
    return this.endpoints.remove(actor, id);
  }

  @Post(':endpoint_id/rotate-secret')
  @HttpCode(200)
  @Auth('admin')
  @SensitiveResponse('secret')
  @ApiOperation({
    summary: 'Rotate the signing secret; the new one is returned once',
    description: 'For WEBHOOK_SECRET_GRACE_MS (24 h) deliveries carry signatures by both the new and the old secret.',
  })
  @ApiEnvelope(WebhookEndpointSecretView)
  rotate(@CurrentActor() actor: Actor, @Param('endpoint_id', UuidParamPipe) id: string) {
    return this.endpoints.rotateSecret(actor, id);
  }

  @Get(':endpoint_id/deliveries')
  @Auth('admin')
  @ApiOperation({ summary: "The endpoint's delivery attempts, newest first: outcome, response code, latency, error" })
  @ApiEnvelope(DeliveryAttemptView, { paginated: true })
  deliveries(@CurrentActor() actor: Actor, @Param('endpoint_id', UuidParamPipe) id: string, @Query() query: ListDeliveriesQuery) {
    const { limit, offset, ...filter } = query;
    return this.endpoints.deliveries(actor, id, filter, { limit, offset });
  }

  @Post(':endpoint_id/test')
  @HttpCode(200)
  @Auth('admin')
  @ApiOperation({ summary: 'Send a signed webhook.test event now and answer with the attempt (a failure retries like any delivery)' })
  @ApiEnvelope(TestDeliveryView)
  test(@CurrentActor() actor: Actor, @Param('endpoint_id', UuidParamPipe) id: string) {
    return this.endpoints.test(actor, id);
  }
}
