export * from './launch-gate.module';
export * from './launch-gate.service';
export * from './launch-gate.types';
export * from './launch-records.service';
export * from './launch-evidence.service';
export * from './launch-record.view';
export * from './evidence-chain';
export * from './evidence-signer';
