import { CasePermits } from './case-permits';

describe('CasePermits', () => {
  it('never hands out more permits than its size', async () => {
    const permits = new CasePermits(2);
    await permits.acquire();
    expect(permits.tryAcquire()).toBe(true);
    expect(permits.tryAcquire()).toBe(false);
    expect(permits.inUse).toBe(2);
    permits.release();
    expect(permits.inUse).toBe(1);
    expect(permits.tryAcquire()).toBe(true);
  });

  it('serves waiters first come, first served, handing a released permit straight over', async () => {
    const permits = new CasePermits(1);
    await permits.acquire();
    const order: string[] = [];
    const a = permits.acquire().then(() => order.push('a'));
    const b = permits.acquire().then(() => order.push('b'));
    expect(permits.waiting).toBe(2);
    permits.release();
    await a;
    expect(order).toEqual(['a']);
    expect(permits.inUse).toBe(1);
    permits.release();
    await b;
    expect(order).toEqual(['a', 'b']);
    permits.release();
    expect(permits.inUse).toBe(0);
  });

  it('lends nothing while a chunk waits for its own permit', async () => {
    const permits = new CasePermits(2);
    await permits.acquire();
    await permits.acquire();
    const waiting = permits.acquire();
    permits.release();
    // The released permit went to the waiter: nothing is idle, so nothing can be borrowed.
    expect(permits.tryAcquire()).toBe(false);
    await waiting;
    permits.release();
    expect(permits.tryAcquire()).toBe(true);
  });
});
