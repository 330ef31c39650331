export * from './throttling.module';
export * from './outbound-throttle';
