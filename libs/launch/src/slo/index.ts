export * from './slo.module';
export * from './slo-policy.types';
export * from './slo-violation.types';
export * from './slo-reader';
export * from './slo-checks';
export * from './slo-policy.service';
export * from './slo-status.service';
export { SloMonitor, gateDefaultsOf } from './slo-monitor';
