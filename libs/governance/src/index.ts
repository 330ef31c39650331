export * from './governance.module';
export * from './patterns/patterns.module';
export * from './compare/compare.module';
export * from './registry/registry.module';
