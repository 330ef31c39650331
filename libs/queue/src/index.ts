export * from './redis-options';
export * from './redis.module';
export * from './queue.module';
export * from './job-producer';
export * from './job-options';
export * from './prefix-owner';
export * from './unavailable';
