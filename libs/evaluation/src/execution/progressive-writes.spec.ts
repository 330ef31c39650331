import { ProgressiveWrites } from './progressive-writes';
import type { CaseOutcome } from './execution.types';

const outcome = (i: number) => ({ case: { id: `case-${i}` } }) as unknown as CaseOutcome;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ProgressiveWrites', () => {
  it('writes a batch as soon as it is full, and what is left after the wait at the latest', async () => {
    const written: string[][] = [];
    const writes = new ProgressiveWrites(async (os) => void written.push(os.map((o) => o.case.id)), 3, 50);
    for (let i = 0; i < 4; i++) writes.add(outcome(i));
    await tick(0);
    expect(written).toEqual([['case-0', 'case-1', 'case-2']]);
    await tick(80);
    expect(written).toEqual([['case-0', 'case-1', 'case-2'], ['case-3']]);
    writes.add(outcome(4));
    await writes.drain();
    expect(written.flat()).toEqual(['case-0', 'case-1', 'case-2', 'case-3', 'case-4']);
  });

  it('writes one batch at a time, in order', async () => {
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    const writes = new ProgressiveWrites(
      async (os) => {
        most = Math.max(most, ++inFlight);
        await tick(10);
        order.push(...os.map((o) => o.case.id));
        inFlight--;
      },
      1,
      50,
    );
    for (let i = 0; i < 5; i++) writes.add(outcome(i));
    await writes.drain();
    expect(most).toBe(1);
    expect(order).toEqual(['case-0', 'case-1', 'case-2', 'case-3', 'case-4']);
  });

  it('reports the first failed write to check and drain, and writes nothing after it', async () => {
    const written: string[] = [];
    const writes = new ProgressiveWrites(
      async (os) => {
        if (os[0].case.id === 'case-1') throw new Error('database unreachable');
        written.push(...os.map((o) => o.case.id));
      },
      1,
      50,
    );
    for (let i = 0; i < 3; i++) writes.add(outcome(i));
    await expect(writes.drain()).rejects.toThrow('database unreachable');
    expect(() => writes.check()).toThrow('database unreachable');
    expect(written).toEqual(['case-0']);
  });
});
