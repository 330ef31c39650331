import { Module } from '@nestjs/common';
import { NotificationOpsController } from './notification-ops.controller';
import { WebhookEndpointsController } from './webhook-endpoints.controller';

@Module({ controllers: [WebhookEndpointsController, NotificationOpsController] })
export class NotificationsModule {}
