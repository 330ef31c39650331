import { KeyedBatcher } from './keyed-batcher';

describe('KeyedBatcher', () => {
  const deferred = () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    return { gate, release };
  };

  it('runs one batch per key at a time and groups the calls that arrive meanwhile, up to maxUnits', async () => {
    const batches: number[][] = [];
    const first = deferred();
    const b = new KeyedBatcher<number, number>(
      5,
      (n) => n,
      async (batch) => {
        batches.push(batch);
        if (batches.length === 1) await first.gate;
        return batch.map((n) => n * 10);
      },
    );
    const p1 = b.submit('k', 1);
    const rest = [b.submit('k', 2), b.submit('k', 3), b.submit('k', 4)];
    const other = b.submit('other', 7); // another key does not wait
    await expect(other).resolves.toBe(70);
    first.release();
    await expect(Promise.all([p1, ...rest])).resolves.toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [7], [2, 3], [4]]);
  });

  it('a failing batch of several calls retries each alone: only the bad one fails', async () => {
    const first = deferred();
    let calls = 0;
    const b = new KeyedBatcher<string, string>(
      100,
      () => 1,
      async (batch) => {
        if (++calls === 1) await first.gate;
        if (batch.includes('bad')) throw new Error(`refused ${batch.join(',')}`);
        return batch.map((s) => s.toUpperCase());
      },
    );
    const head = b.submit('k', 'head');
    const good = b.submit('k', 'good');
    const bad = b.submit('k', 'bad');
    first.release();
    await expect(head).resolves.toBe('HEAD');
    await expect(good).resolves.toBe('GOOD');
    await expect(bad).rejects.toThrow('refused bad');
  });
});
