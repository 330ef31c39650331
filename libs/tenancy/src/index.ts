export * from './actor';
export * from './request-context';
export * from './tenant-scope';
