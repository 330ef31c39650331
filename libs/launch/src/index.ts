export * from './launch.module';
export * from './readiness';
export * from './slo';
export * from './gate';
export * from './views';
