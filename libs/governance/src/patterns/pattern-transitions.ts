import type { PatternPriority, PatternStatus } from '@greenlight/database';

export const PATTERN_STATUSES: readonly PatternStatus[] = ['open', 'in_progress', 'fixed', 'verifying', 'resolved'];
export const PATTERN_PRIORITIES: readonly PatternPriority[] = ['low', 'medium', 'high', 'critical'];

/**
 * Where a pattern may go from each status. Work moves forward (open → in_progress → fixed →
 * verifying → resolved) and may step back when a fix does not hold; a resolved pattern can only be
 * reopened. Everything else needs `force` from a global admin key.
 */
export const PATTERN_TRANSITIONS: Readonly<Record<PatternStatus, readonly PatternStatus[]>> = {
  open: ['in_progress', 'fixed', 'verifying'],
  in_progress: ['open', 'fixed', 'verifying'],
  fixed: ['in_progress', 'verifying'],
  verifying: ['in_progress', 'resolved'],
  resolved: ['open'],
};

/** The statuses a pattern in `from` may move to without `force`. */
export function allowedTransitions(from: PatternStatus): readonly PatternStatus[] {
  return PATTERN_TRANSITIONS[from];
}

/** True when the matrix lets a pattern move from `from` to `to` (a different status). */
export function isAllowedTransition(from: PatternStatus, to: PatternStatus): boolean {
  return PATTERN_TRANSITIONS[from].includes(to);
}

/** The matrix as Markdown lines, for the API description. */
export function describeTransitions(): string {
  return PATTERN_STATUSES.map((from) => `\`${from}\` → ${PATTERN_TRANSITIONS[from].map((to) => `\`${to}\``).join(', ')}`).join('; ');
}
