export * from './launch-gate.module';
export * from './launch-gate.service';
export * from './launch-gate.types';
