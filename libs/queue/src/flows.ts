/** Flow producer for a run's chunk jobs and their finalize parent. */
export const EVAL_FLOWS = 'eval-flows';
