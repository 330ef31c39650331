import { decisionOf } from './readiness.types';

describe('readiness decision snapshot', () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  const item = (key: string, status: 'pending' | 'done' | 'waived') => ({ key, title: key, owner: null, status, note: null });

  it('is ready when nothing is pending (waived counts as settled), with the counts per status', () => {
    expect(decisionOf([item('a', 'done'), item('b', 'waived')], at)).toEqual({
      decision: 'ready',
      total_items: 2,
      pending_count: 0,
      done_count: 1,
      waived_count: 1,
      pending_keys: [],
      evaluated_at: '2026-01-02T03:04:05.000Z',
    });
    expect(decisionOf([], at)).toMatchObject({ decision: 'ready', total_items: 0 });
  });

  it('is not ready while any item is pending, naming them in checklist order', () => {
    expect(decisionOf([item('z', 'pending'), item('a', 'done'), item('m', 'pending')], at)).toMatchObject({
      decision: 'not_ready',
      pending_count: 2,
      pending_keys: ['z', 'm'],
    });
  });
});
