import type { RunRates } from '@greenlight/evaluation';
import { CompletedRunRates } from './completed-run-rates';

const rates = (pass_rate: number): RunRates => ({
  result_count: 10,
  error_count: 0,
  error_rate: 0,
  answer_correct_rate: pass_rate,
  source_correct_rate: pass_rate,
  quality_pass_rate: pass_rate,
  pass_rate,
});

describe('CompletedRunRates', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');

  it('remembers a run by id and completion time, whatever form the time comes in', () => {
    const memo = new CompletedRunRates();
    memo.set('run-1', at, rates(0.5));
    expect(memo.get('run-1', at.toISOString())).toEqual(rates(0.5));
    expect(memo.get('run-2', at)).toBeUndefined();
  });

  it('a run completed again (reopened) is a different entry', () => {
    const memo = new CompletedRunRates();
    memo.set('run-1', at, rates(0.5));
    expect(memo.get('run-1', new Date(at.getTime() + 1))).toBeUndefined();
  });

  it('forgets the least recently stored runs beyond its capacity', () => {
    const memo = new CompletedRunRates(2);
    memo.set('a', at, rates(0.1));
    memo.set('b', at, rates(0.2));
    memo.set('a', at, rates(0.3)); // stored again: now the newest
    memo.set('c', at, rates(0.4));
    expect(memo.size).toBe(2);
    expect(memo.get('b', at)).toBeUndefined();
    expect(memo.get('a', at)).toEqual(rates(0.3));
    expect(memo.get('c', at)).toEqual(rates(0.4));
  });
});
