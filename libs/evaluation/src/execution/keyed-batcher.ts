/**
 * Groups calls per key ("group commit"): at most one batch per key is in flight, and the calls that
 * arrive meanwhile go together in the next batch, up to `maxUnits` units (a single bigger call still
 * goes, alone). If a batch of several calls fails, each of its calls is tried again on its own, so one
 * call's bad input never fails another's.
 */
export class KeyedBatcher<Req, Res> {
  private readonly lanes = new Map<string, Lane<Req, Res>>();

  constructor(
    private readonly maxUnits: number,
    private readonly units: (req: Req) => number,
    /** Runs one batch; answers one result per request, in order. */
    private readonly execute: (batch: Req[]) => Promise<Res[]>,
  ) {}

  submit(key: string, req: Req): Promise<Res> {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { busy: false, queue: [] }));
    const l = lane;
    const done = new Promise<Res>((resolve, reject) => l.queue.push({ req, resolve, reject }));
    if (!l.busy) void this.drain(key, l);
    return done;
  }

  private async drain(key: string, lane: Lane<Req, Res>): Promise<void> {
    lane.busy = true;
    try {
      while (lane.queue.length > 0) {
        let units = 0;
        let n = 0;
        while (n < lane.queue.length && (n === 0 || units + this.units(lane.queue[n].req) <= this.maxUnits)) units += this.units(lane.queue[n++].req);
        const group = lane.queue.splice(0, n);
        try {
          const results = await this.execute(group.map((g) => g.req));
          group.forEach((g, i) => g.resolve(results[i]));
        } catch (err) {
          if (group.length === 1) group[0].reject(err);
          else for (const g of group) await this.execute([g.req]).then((r) => g.resolve(r[0]), g.reject);
        }
      }
    } finally {
      // Synchronously after the last look at the queue: a call arriving later starts a new lane.
      lane.busy = false;
      if (this.lanes.get(key) === lane) this.lanes.delete(key);
    }
  }
}

interface Lane<Req, Res> {
  busy: boolean;
  queue: { req: Req; resolve: (res: Res) => void; reject: (err: unknown) => void }[];
}
