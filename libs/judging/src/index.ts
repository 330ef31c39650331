export * from './deterministic-judge';
export * from './judge-factory';
export * from './judge-output';
export * from './judge.types';
export * from './policy-contract';
export * from './provider-judge';
export * from './judge-cost';
