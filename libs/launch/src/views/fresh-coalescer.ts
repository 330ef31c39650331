/**
 * Shares one computation between concurrent requests for the same key without ever answering with
 * something older than the request: a request that arrives while a computation is running waits
 * for the next one, which starts after that one ends and is shared by every request that arrived in
 * the meantime. So each answer was computed entirely after its request arrived (it sees everything
 * committed before), and under load one computation serves many requests.
 */
export class FreshCoalescer<V> {
  private readonly running = new Map<string, Promise<V>>();
  private readonly queued = new Map<string, Promise<V>>();

  run(key: string, work: () => Promise<V>): Promise<V> {
    const queued = this.queued.get(key);
    if (queued) return queued;
    const running = this.running.get(key);
    if (!running) return this.start(key, work);
    const next = running.then(
      () => this.startQueued(key, work),
      () => this.startQueued(key, work),
    );
    this.queued.set(key, next);
    return next;
  }

  private startQueued(key: string, work: () => Promise<V>): Promise<V> {
    this.queued.delete(key);
    return this.start(key, work);
  }

  private start(key: string, work: () => Promise<V>): Promise<V> {
    const p = Promise.resolve()
      .then(work)
      .finally(() => {
        if (this.running.get(key) === p) this.running.delete(key);
      });
    this.running.set(key, p);
    return p;
  }
}
