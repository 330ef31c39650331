export * from './slo.module';
