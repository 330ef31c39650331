export * from './error-codes';
export * from './roles';
export * from './enums';
export * from './queues';
export * from './events';
export * from './run-config';
