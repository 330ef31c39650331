export * from './test-environment';
export * from './large-golden-set-csv';
