import { ErrorCode } from '@greenlight/contracts';
import type { PatternStatus, PatternStatusChange } from '@greenlight/database';
import { DomainError } from '@greenlight/platform';
import { allowedTransitions, isAllowedTransition } from './pattern-transitions';

export interface StatusChangeRequest {
  from: PatternStatus;
  to: PatternStatus;
  /** Override the matrix; only a global admin key may. */
  force: boolean;
  /** The caller is a global (org_id null) admin key. */
  global_admin: boolean;
  by_key_id: string | null;
  note: string | null;
  /** An explicit resolved date; otherwise moving to `resolved` stamps `now`. */
  resolved_date: Date | null;
  now: Date;
}

export interface PlannedStatusChange {
  entry: PatternStatusChange;
  /** The pattern's resolved date after the move: set on `resolved`, cleared when leaving it. */
  resolved_date: Date | null;
}

/** Refuses `force` from anyone but a global admin key, whatever the move. */
export function assertMayForce(force: boolean, globalAdmin: boolean): void {
  if (force && !globalAdmin) throw new DomainError(ErrorCode.FORBIDDEN, 'force is only for global admin keys', { field: 'force' });
}

/**
 * Decides one status move: null when the status stays the same (nothing to record), the history entry
 * and the new resolved date otherwise. A move outside the matrix is refused unless forced by a global
 * admin key; the entry is marked `forced` exactly when the matrix was overridden.
 */
export function planStatusChange(req: StatusChangeRequest): PlannedStatusChange | null {
  assertMayForce(req.force, req.global_admin);
  if (req.from === req.to) return null;
  const allowed = isAllowedTransition(req.from, req.to);
  if (!allowed && !req.force) {
    throw new DomainError(ErrorCode.PATTERN_INVALID_TRANSITION, `a pattern cannot move from ${req.from} to ${req.to}`, {
      from: req.from,
      to: req.to,
      allowed: [...allowedTransitions(req.from)],
    });
  }
  const entry: PatternStatusChange = {
    from: req.from,
    to: req.to,
    at: req.now.toISOString(),
    by_key_id: req.by_key_id,
    note: req.note,
    forced: !allowed,
  };
  return { entry, resolved_date: req.to === 'resolved' ? (req.resolved_date ?? req.now) : null };
}
