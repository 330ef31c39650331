export * from './readiness.module';
export * from './readiness.types';
export * from './readiness-reader';
export * from './readiness.service';
