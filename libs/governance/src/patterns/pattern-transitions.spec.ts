import type { PatternStatus } from '@greenlight/database';
import { allowedTransitions, describeTransitions, isAllowedTransition, PATTERN_STATUSES, PATTERN_TRANSITIONS } from './pattern-transitions';

const ALLOWED: [PatternStatus, PatternStatus][] = [
  ['open', 'in_progress'],
  ['open', 'fixed'],
  ['open', 'verifying'],
  ['in_progress', 'open'],
  ['in_progress', 'fixed'],
  ['in_progress', 'verifying'],
  ['fixed', 'in_progress'],
  ['fixed', 'verifying'],
  ['verifying', 'in_progress'],
  ['verifying', 'resolved'],
  ['resolved', 'open'],
];

describe('pattern transition matrix', () => {
  it.each(ALLOWED)('%s → %s is allowed', (from, to) => {
    expect(isAllowedTransition(from, to)).toBe(true);
  });

  it('allows exactly those eleven moves and nothing else', () => {
    const all: string[] = [];
    for (const from of PATTERN_STATUSES) for (const to of PATTERN_STATUSES) if (isAllowedTransition(from, to)) all.push(`${from}>${to}`);
    expect(all.sort()).toEqual(ALLOWED.map(([f, t]) => `${f}>${t}`).sort());
  });

  it.each<[PatternStatus, PatternStatus]>([
    ['open', 'resolved'],
    ['in_progress', 'resolved'],
    ['fixed', 'open'],
    ['fixed', 'resolved'],
    ['verifying', 'open'],
    ['verifying', 'fixed'],
    ['resolved', 'in_progress'],
    ['resolved', 'fixed'],
    ['resolved', 'verifying'],
  ])('%s → %s is blocked', (from, to) => {
    expect(isAllowedTransition(from, to)).toBe(false);
  });

  it('a status is never a transition to itself', () => {
    for (const s of PATTERN_STATUSES) expect(isAllowedTransition(s, s)).toBe(false);
  });

  it('lists the allowed targets and describes every row', () => {
    expect(allowedTransitions('verifying')).toEqual(['in_progress', 'resolved']);
    expect(Object.keys(PATTERN_TRANSITIONS).sort()).toEqual([...PATTERN_STATUSES].sort());
    expect(describeTransitions()).toContain('`resolved` → `open`');
  });
});
