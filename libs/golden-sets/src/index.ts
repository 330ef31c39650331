export * from './case-input';
export * from './file-parse-threads';
export * from './golden-set-file-ingest.service';
export * from './golden-set-file.parser';
export * from './golden-sets.service';
export * from './quality-gate';
export * from './golden-sets.module';
