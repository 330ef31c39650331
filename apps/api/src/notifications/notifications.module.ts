import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { NotificationsModule } from '@greenlight/notifications';
import type { NextFunction, Request, Response } from 'express';
import { NotificationOpsController } from './notification-ops.controller';
import { WebhookEndpointsController } from './webhook-endpoints.controller';

/**
 * Schedulers and older clients drain the outbox with `POST .../outbox/drain?limit=N` and no body at all;
 * such a request reads as an empty JSON object instead of being refused for its missing body.
 */
function missingBodyAsEmptyObject(req: Request, _res: Response, next: NextFunction): void {
  if (req.body === undefined) req.body = {};
  next();
}

@Module({ imports: [NotificationsModule], controllers: [WebhookEndpointsController, NotificationOpsController] })
export class NotificationsApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(missingBodyAsEmptyObject).forRoutes({ path: 'api/v1/system/notifications/outbox/drain', method: RequestMethod.POST });
  }
}
