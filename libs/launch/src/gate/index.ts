export * from './launch-gate.module';
