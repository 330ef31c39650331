export * from './governance.module';
export * from './patterns/patterns.module';
export * from './patterns/patterns.service';
export * from './patterns/pattern.types';
export * from './patterns/pattern-transitions';
export * from './patterns/regression-patterns';
export * from './compare/compare.module';
export * from './registry/registry.module';
