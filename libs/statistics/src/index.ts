// Paired statistics for comparing two evaluation runs (pure functions, no I/O).
export { mcnemarExact } from './mcnemar';
export type { McNemarResult } from './mcnemar';
export { wilcoxonSignedRank } from './wilcoxon';
export type { SignedRankResult } from './wilcoxon';
export { signTest } from './sign-test';
export type { SignTestResult } from './sign-test';
export { pairedBootstrapMeanCI, budgetedIterations, BOOTSTRAP_DRAW_BUDGET, MIN_BUDGETED_ITERATIONS } from './bootstrap';
export type { BootstrapInterval, BootstrapOptions } from './bootstrap';
export { pairedProportionDelta } from './proportion';
export type { RateDelta, PairedCounts } from './proportion';
export { decideVerdict, MIN_PAIRED_CASES } from './verdict';
export type { Verdict, VerdictInput } from './verdict';
export { normalCdf, normalQuantile, erfc } from './special';
export { mulberry32 } from './prng';
export * from './kappa';
