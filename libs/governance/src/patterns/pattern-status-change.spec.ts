import { DomainError } from '@greenlight/platform';
import { planStatusChange, StatusChangeRequest } from './pattern-status-change';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const base: StatusChangeRequest = {
  from: 'open',
  to: 'in_progress',
  force: false,
  global_admin: false,
  by_key_id: 'k1',
  note: null,
  resolved_date: null,
  now: NOW,
};

function codeOf(fn: () => unknown): { code: string; details: unknown } {
  try {
    fn();
  } catch (err) {
    const e = err as DomainError;
    return { code: e.code, details: e.details };
  }
  throw new Error('expected a failure');
}

describe('planStatusChange', () => {
  it('same status records nothing', () => {
    expect(planStatusChange({ ...base, to: 'open' })).toBeNull();
  });

  it('an allowed move gives an unforced history entry and no resolved date', () => {
    expect(planStatusChange({ ...base, note: 'picked up' })).toEqual({
      entry: { from: 'open', to: 'in_progress', at: NOW.toISOString(), by_key_id: 'k1', note: 'picked up', forced: false },
      resolved_date: null,
    });
  });

  it('moving to resolved stamps now unless a date is given', () => {
    expect(planStatusChange({ ...base, from: 'verifying', to: 'resolved' })!.resolved_date).toEqual(NOW);
    const given = new Date('2025-12-31T00:00:00.000Z');
    expect(planStatusChange({ ...base, from: 'verifying', to: 'resolved', resolved_date: given })!.resolved_date).toEqual(given);
  });

  it('leaving resolved clears the date', () => {
    expect(planStatusChange({ ...base, from: 'resolved', to: 'open' })!.resolved_date).toBeNull();
  });

  it('a move outside the matrix is PATTERN_INVALID_TRANSITION with from, to and allowed', () => {
    expect(codeOf(() => planStatusChange({ ...base, to: 'resolved' }))).toEqual({
      code: 'PATTERN_INVALID_TRANSITION',
      details: { from: 'open', to: 'resolved', allowed: ['in_progress', 'fixed', 'verifying'] },
    });
  });

  it('force is refused for anyone but a global admin, even on an allowed move', () => {
    expect(codeOf(() => planStatusChange({ ...base, force: true })).code).toBe('FORBIDDEN');
    expect(codeOf(() => planStatusChange({ ...base, to: 'open', force: true })).code).toBe('FORBIDDEN');
  });

  it('a global admin may force any move; the entry says forced only when the matrix was overridden', () => {
    expect(planStatusChange({ ...base, to: 'resolved', force: true, global_admin: true })!.entry.forced).toBe(true);
    expect(planStatusChange({ ...base, force: true, global_admin: true })!.entry.forced).toBe(false);
  });
});
