export * from './slo.module';
export * from './slo-policy.types';
export * from './slo-violation.types';
export * from './slo-reader';
