export * from './calibration.module';
export * from './calibration.service';
export * from './calibration.types';
export * from './label-pairing';
export * from './calibration-run-gate';
