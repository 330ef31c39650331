import { canTransition } from './run-transitions';

describe('run state machine', () => {
  const statuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
  const allowed = new Set([
    'pending>running',
    'pending>cancelled',
    'running>completed',
    'running>failed',
    'running>cancelled',
    'completed>pending',
    'failed>pending',
    'cancelled>pending',
  ]);

  it.each(statuses.flatMap((from) => statuses.filter((to) => to !== from).map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(allowed.has(`${from}>${to}`));
  });
});
