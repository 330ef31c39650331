import type Redis from 'ioredis';
import { AppConfig } from '@greenlight/config';
import { CasePermits } from './case-permits';
import { OrgSlots } from './org-slots';

/** Gives back what a borrow took. */
export type ReleaseSlot = () => void;

/**
 * Where a worker's cases get to run: its EVAL_WORKER_CONCURRENCY case permits, and, when orgs are
 * capped (EVAL_WORKER_MAX_CONCURRENCY_PER_ORG), the org's slots shared by every worker in Redis.
 */
export class CaseSlots {
  readonly permits: CasePermits;
  private readonly orgSlots: OrgSlots;
  private readonly orgCap: number;
  /**
   * Whether chunks may borrow idle permits. The per-org cap still holds when they do (a borrowed
   * permit takes one of the org's slots as well), but the global cap counts chunk jobs inside BullMQ,
   * which cannot see borrowed permits: under a global cap chunks run their cases strictly one by one.
   */
  private readonly lending: boolean;

  constructor(redis: Redis, config: AppConfig, now: () => number) {
    this.orgSlots = new OrgSlots(redis, config.get('REDIS_PREFIX'), config.get('EVAL_WORKER_LOCK_MS'), now);
    this.permits = new CasePermits(config.get('EVAL_WORKER_CONCURRENCY'));
    this.orgCap = config.get('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG');
    this.lending = config.get('EVAL_WORKER_MAX_CONCURRENCY_GLOBAL') === 0;
  }

  /** Whether orgs are capped at all. */
  get orgCapped(): boolean {
    return this.orgCap > 0;
  }

  /** One of the org's slots for a chunk job (always granted when orgs are not capped). */
  async claimOrgSlot(orgId: string, token: string): Promise<boolean> {
    return !this.orgCapped || this.orgSlots.acquire(orgId, token, this.orgCap);
  }

  async releaseOrgSlot(orgId: string, token: string): Promise<void> {
    if (this.orgCapped) await this.orgSlots.release(orgId, token).catch(() => undefined);
  }

  /**
   * An idle permit for one more case of a chunk, plus one of the org's slots when the org is capped;
   * null when none is free. The function returned gives both back.
   */
  borrow(orgId: string, token: string): ReleaseSlot | null | Promise<ReleaseSlot | null> {
    if (!this.lending || !this.permits.tryAcquire()) return null;
    if (!this.orgCapped) return () => this.permits.release();
    return this.orgSlots.acquire(orgId, token, this.orgCap).then(
      (ok) => {
        if (!ok) {
          this.permits.release();
          return null;
        }
        return () => {
          this.permits.release();
          this.orgSlots.release(orgId, token).catch(() => undefined);
        };
      },
      () => {
        this.permits.release();
        return null;
      },
    );
  }
}
