export * from './delivery-rules';
export * from './notification-ops.service';
export * from './outbox.service';
export * from './signing/signature';
export * from './webhook-delivery.service';
export * from './webhook-endpoints.service';
export * from './notifications.module';
