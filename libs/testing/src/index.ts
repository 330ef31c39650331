export * from './test-environment';
export * from './large-golden-set-csv';
export * from './xlsx-package';
