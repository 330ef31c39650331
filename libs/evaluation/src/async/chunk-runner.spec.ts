import type { CaseOutcome, CaseRow } from '../execution/execution.types';
import { CasePermits } from './case-permits';
import type { CaseSlots } from './case-slots';
import { ChunkRun, runChunkCases } from './chunk-runner';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `case-${i}`, position: i }) as CaseRow);
const outcome = (c: CaseRow, retryable = false) => ({ case: c, error: retryable ? { retryable: true } : null }) as unknown as CaseOutcome;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Case slots of `size` permits, lending idle ones (no org cap). */
function slots(size: number, lending = true): CaseSlots {
  const permits = new CasePermits(size);
  return {
    permits,
    borrow: () => (lending && permits.tryAcquire() ? () => permits.release() : null),
  } as unknown as CaseSlots;
}

function chunk(overrides: Partial<ChunkRun>): ChunkRun {
  return {
    cases: rows(6),
    runCase: async (c) => outcome(c),
    mayGoOn: () => true,
    slots: slots(4),
    orgId: 'org',
    slotToken: 'job:0',
    lastAttempt: false,
    ...overrides,
  };
}

describe('runChunkCases', () => {
  it('runs every case, borrowing idle permits, and answers the outcomes in case order', async () => {
    let inFlight = 0;
    let most = 0;
    const result = await runChunkCases(
      chunk({
        runCase: async (c) => {
          most = Math.max(most, ++inFlight);
          await tick(10 - Number(c.id.split('-')[1])); // later cases finish first
          inFlight--;
          return outcome(c);
        },
      }),
    );
    expect(result.outcomes.map((o) => o.case.id)).toEqual(rows(6).map((c) => c.id));
    expect(result.failure).toBeNull();
    expect(most).toBe(4);
    expect(result.borrowed).toBe(5);
  });

  it('runs one case at a time when nothing may be borrowed', async () => {
    let inFlight = 0;
    let most = 0;
    const result = await runChunkCases(
      chunk({
        slots: slots(4, false),
        runCase: async (c) => {
          most = Math.max(most, ++inFlight);
          await tick(1);
          inFlight--;
          return outcome(c);
        },
      }),
    );
    expect(result.outcomes).toHaveLength(6);
    expect(most).toBe(1);
    expect(result.borrowed).toBe(0);
  });

  it('starts no case once the run stopped', async () => {
    let started = 0;
    const result = await runChunkCases(
      chunk({
        slots: slots(1),
        mayGoOn: () => started < 2,
        runCase: async (c) => {
          started++;
          return outcome(c);
        },
      }),
    );
    expect(started).toBe(2);
    expect(result.outcomes.map((o) => o.case.id)).toEqual(['case-0', 'case-1']);
  });

  it('after the first error starts nothing more, lets the cases in flight finish and gives every permit back', async () => {
    const s = slots(3);
    const finished: string[] = [];
    const result = await runChunkCases(
      chunk({
        slots: s,
        runCase: async (c) => {
          if (c.id === 'case-1') throw new Error('judge misconfigured');
          await tick(5);
          finished.push(c.id);
          return outcome(c);
        },
      }),
    );
    expect((result.failure?.err as Error).message).toBe('judge misconfigured');
    expect(finished).toEqual(['case-0', 'case-2']);
    expect(result.outcomes.map((o) => o.case.id)).toEqual(['case-0', 'case-2']);
    expect(s.permits.inUse).toBe(0);
  });

  it('leaves transient agent errors to the retry, except on the last attempt', async () => {
    const flaky = async (c: CaseRow) => outcome(c, c.id === 'case-3');
    const retried = await runChunkCases(chunk({ runCase: flaky }));
    expect(retried.transient).toBe(1);
    expect(retried.outcomes.map((o) => o.case.id)).not.toContain('case-3');
    const last = await runChunkCases(chunk({ runCase: flaky, lastAttempt: true }));
    expect(last.transient).toBe(0);
    expect(last.outcomes.map((o) => o.case.id)).toContain('case-3');
  });

  it('a run state that cannot be read stops the chunk like a failing case', async () => {
    const result = await runChunkCases(chunk({ mayGoOn: () => Promise.reject(new Error('database unreachable')) }));
    expect((result.failure?.err as Error).message).toBe('database unreachable');
    expect(result.outcomes).toEqual([]);
  });
});
