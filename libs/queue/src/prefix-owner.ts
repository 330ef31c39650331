import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BullRegistrar } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { REDIS_CLIENT } from './redis.module';

/**
 * A Redis prefix holds the queues of exactly one database: its jobs name rows of that database. Two
 * deployments with different databases on one prefix would take each other's jobs and fail them
 * ("database does not exist", "run not found"), while the owner's runs sit in `running` until reaped.
 * So every app claims the prefix for its database at boot, in the key `<prefix>:owner`, and refuses
 * to start when the key names another database.
 */
export interface DatabaseIdentity {
  /** What is compared: the Postgres cluster's system identifier and the database name. */
  id: string;
  /** What people read: host:port/name of DATABASE_URL, never credentials. */
  database: string;
}

interface OwnerRecord extends DatabaseIdentity {
  claimed_at?: string;
}

export const ownerKey = (prefix: string) => `${prefix}:owner`;

/** How often a running app checks that the prefix is still its own (and claims it again if the key is gone). */
export const OWNER_CHECK_INTERVAL_MS = 15_000;
/** A job taken while the prefix belongs to another database is put back for this long, without using an attempt. */
export const FOREIGN_JOB_DELAY_MS = 60_000;

export class RedisPrefixConflictError extends Error {
  constructor(
    readonly prefix: string,
    readonly mine: DatabaseIdentity,
    readonly owner: OwnerRecord,
  ) {
    super(
      `REDIS_PREFIX "${prefix}" belongs to another database: the Redis key ${ownerKey(prefix)} names ${owner.database}` +
        `${owner.claimed_at ? ` (claimed ${owner.claimed_at})` : ''}, this instance uses ${mine.database}. ` +
        `Apps of different databases on one prefix take each other's jobs and fail them. ` +
        `Give this instance a REDIS_PREFIX of its own (or, if ${owner.database} is gone for good, delete the key: redis-cli DEL ${ownerKey(prefix)}).`,
    );
    this.name = 'RedisPrefixConflictError';
  }
}

/** host:port/name of a Postgres URL, without user or password. */
export function databaseLabel(url: string): string {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
  return `${u.hostname}:${u.port || '5432'}/${name}`;
}

/**
 * The identity of the database behind `ds`, asked of the server itself so that two spellings of one
 * server (localhost, 127.0.0.1, a service name) are one database, and two servers with the same
 * address on different machines are not.
 */
export async function databaseIdentity(ds: DataSource, url: string): Promise<DatabaseIdentity> {
  const database = databaseLabel(url);
  const [row] = (await ds.query('SELECT current_database() AS name')) as { name: string }[];
  let cluster: string;
  try {
    const [c] = (await ds.query('SELECT system_identifier::text AS id FROM pg_control_system()')) as { id: string }[];
    cluster = `pg:${c.id}`;
  } catch {
    // Servers that hide their control data: the address is the best identity left.
    const u = new URL(url);
    cluster = `addr:${u.hostname}:${u.port || '5432'}`;
  }
  return { id: `${cluster}/${row.name}`, database };
}

// Sets the key when it is missing and answers what it holds, in one step (no race between two boots).
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

function parseOwner(raw: string): OwnerRecord {
  try {
    const parsed = JSON.parse(raw) as Partial<OwnerRecord>;
    if (typeof parsed.id === 'string') return { id: parsed.id, database: String(parsed.database ?? parsed.id), claimed_at: parsed.claimed_at };
  } catch {
    // not ours: treated as another owner below
  }
  return { id: `unknown:${raw}`, database: `an unknown owner ("${raw.slice(0, 80)}")` };
}

/**
 * Claims `<prefix>:owner` for `mine` when free; answers the owner record. Throws RedisPrefixConflictError
 * when another database holds it.
 */
export async function claimRedisPrefix(redis: Redis, prefix: string, mine: DatabaseIdentity): Promise<OwnerRecord> {
  const record: OwnerRecord = { ...mine, claimed_at: new Date().toISOString() };
  const raw = (await redis.eval(CLAIM, 1, ownerKey(prefix), JSON.stringify(record))) as string;
  const owner = parseOwner(raw);
  if (owner.id !== mine.id) throw new RedisPrefixConflictError(prefix, mine, owner);
  return owner;
}

/**
 * Both apps: claims the prefix before any job is consumed (the BullMQ processors are registered only
 * after the claim), then checks it every OWNER_CHECK_INTERVAL_MS. Should another database take the
 * prefix while this app runs (the key deleted, Redis emptied), processors stop handling jobs: each one
 * goes back to the queue untouched, see `leaveForeignJob`.
 */
@Injectable()
export class PrefixOwnership implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PrefixOwnership');
  private identity?: DatabaseIdentity;
  private owned = false;
  private timer?: NodeJS.Timeout;
  private conflict: RedisPrefixConflictError | null = null;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    this.identity = await databaseIdentity(this.ds, this.config.get('DATABASE_URL'));
    await claimRedisPrefix(this.redis, this.prefix, this.identity);
    this.owned = true;
    // Processors of @Processor classes start only now (the queue module registers them by hand).
    await this.moduleRef.get(BullRegistrar, { strict: false }).register();
    this.timer = setInterval(() => void this.check(), OWNER_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get prefix(): string {
    return this.config.get('REDIS_PREFIX');
  }

  /** True while the prefix belongs to this app's database. */
  get isOwner(): boolean {
    return this.owned;
  }

  /** Checks the owner key again (claiming it when it vanished); logs once when the prefix is lost or regained. */
  async check(): Promise<boolean> {
    if (!this.identity) return false;
    try {
      await claimRedisPrefix(this.redis, this.prefix, this.identity);
      if (!this.owned) this.logger.log(`REDIS_PREFIX "${this.prefix}" is this database's again; processing jobs`);
      this.owned = true;
      this.conflict = null;
    } catch (err) {
      if (!(err instanceof RedisPrefixConflictError)) return this.owned; // Redis unreachable: nothing learnt
      if (this.owned || this.conflict?.message !== err.message) this.logger.error(`${err.message} Jobs are left alone until this is fixed.`);
      this.owned = false;
      this.conflict = err;
    }
    return this.owned;
  }

  /**
   * Called by every processor before it handles a job: when the prefix belongs to another database,
   * the job goes back to the queue (delayed, its attempts untouched) for its owner, and the processor
   * stops with BullMQ's DelayedError, which does not count as a failure.
   */
  async leaveForeignJob(job: Job, token?: string): Promise<void> {
    if (this.owned) return;
    await job.moveToDelayed(Date.now() + FOREIGN_JOB_DELAY_MS, token);
    throw new DelayedError(`left for the owner of REDIS_PREFIX "${this.prefix}"`);
  }
}
