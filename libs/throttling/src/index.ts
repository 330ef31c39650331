export * from './throttling.module';
export * from './outbound-throttle';
export * from './retry-after';
export * from './shared-limiter';
export * from './sliding-window';
export * from './wait-ledger';
export * from './judge-tokens';
