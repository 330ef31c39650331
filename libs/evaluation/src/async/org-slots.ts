import type Redis from 'ioredis';

// Leases in a sorted set scored by expiry: a worker that dies holding a slot loses it when the lease
// runs out, so a crash never shrinks an org's capacity for good.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** Per-org concurrency cap shared by every worker process, counted in Redis. */
export class OrgSlots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly leaseMs: number,
    /** The time leases are measured on (the injected Clock in the apps). */
    private readonly now: () => number = Date.now,
  ) {}

  private key(orgId: string): string {
    return `${this.prefix}:org-slots:${orgId}`;
  }

  /** Takes one of the org's `cap` slots for `token`; false when all are taken. */
  async acquire(orgId: string, token: string, cap: number): Promise<boolean> {
    const now = this.now();
    const got = await this.redis.eval(ACQUIRE, 1, this.key(orgId), now, now + this.leaseMs, cap, token, this.leaseMs * 2);
    return Number(got) === 1;
  }

  async release(orgId: string, token: string): Promise<void> {
    await this.redis.zrem(this.key(orgId), token);
  }
}
