export * from './actor';
export * from './request-context';
