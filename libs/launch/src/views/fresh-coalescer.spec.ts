import { FreshCoalescer } from './fresh-coalescer';

/** A computation the test finishes by hand; `started` counts how many began. */
function controlled() {
  const finishers: ((v: number) => void)[] = [];
  const failers: ((e: Error) => void)[] = [];
  let started = 0;
  const work = () =>
    new Promise<number>((resolve, reject) => {
      started += 1;
      finishers.push(resolve);
      failers.push(reject);
    });
  return { work, finish: (i: number, v: number) => finishers[i](v), fail: (i: number) => failers[i](new Error('boom')), started: () => started };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FreshCoalescer', () => {
  it('a request during a computation waits for the next one, shared by every request that arrived meanwhile', async () => {
    const c = new FreshCoalescer<number>();
    const w = controlled();
    const first = c.run('org', w.work);
    await tick();
    const second = c.run('org', w.work);
    const third = c.run('org', w.work);
    await tick();
    expect(w.started()).toBe(1); // the next one starts only after the first ends
    w.finish(0, 1);
    expect(await first).toBe(1);
    await tick();
    expect(w.started()).toBe(2);
    w.finish(1, 2);
    expect(await second).toBe(2);
    expect(await third).toBe(2);
  });

  it('keys are independent, and a finished computation is never reused', async () => {
    const c = new FreshCoalescer<number>();
    const w = controlled();
    const a = c.run('a', w.work);
    const b = c.run('b', w.work);
    await tick();
    expect(w.started()).toBe(2);
    w.finish(0, 10);
    w.finish(1, 20);
    expect([await a, await b]).toEqual([10, 20]);
    const again = c.run('a', w.work);
    await tick();
    expect(w.started()).toBe(3);
    w.finish(2, 30);
    expect(await again).toBe(30);
  });

  it('a failed computation fails its own requests only; the queued ones run afresh', async () => {
    const c = new FreshCoalescer<number>();
    const w = controlled();
    const first = c.run('org', w.work);
    await tick();
    const second = c.run('org', w.work);
    w.fail(0);
    await expect(first).rejects.toThrow('boom');
    await tick();
    w.finish(1, 5);
    expect(await second).toBe(5);
  });
});
