export * from './auth.decorator';
export * from './api-key.guard';
export * from './rate-limiter';
export * from './key-authenticator';
export * from './auth.module';
