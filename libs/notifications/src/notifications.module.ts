import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';
import { NotificationOpsService } from './notification-ops.service';
import { NotificationOutbox } from './outbox.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';

const PROVIDERS = [NotificationOutbox, WebhookDeliveryService, WebhookEndpointsService, NotificationOpsService];

/** Events to other systems: the transactional outbox, webhook endpoints and signed delivery. */
@Module({ imports: [PlatformModule], providers: PROVIDERS, exports: PROVIDERS })
export class NotificationsModule {}
