import { QueryFailedError } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { ExecutorError } from '../agent-calls/executors';
import { isInfrastructureError } from './infrastructure-errors';
import { cappedBackoff, InfrastructureWaits } from './job-retries';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('isInfrastructureError', () => {
  it('knows our outages: Postgres unreachable or restarting, timeouts, Redis unreachable', () => {
    expect(isInfrastructureError(refused)).toBe(true);
    expect(isInfrastructureError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isInfrastructureError(new QueryFailedError('SELECT 1', [], Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))),
    ).toBe(true);
    expect(isInfrastructureError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isInfrastructureError(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true);
    expect(isInfrastructureError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
  });

  it('is not fooled by statement errors, bugs, or agent and judge failures (whatever their cause)', () => {
    expect(isInfrastructureError(Object.assign(new Error('simulated storage failure'), { code: 'P0001' }))).toBe(false);
    expect(isInfrastructureError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isInfrastructureError(new TypeError('x is undefined'))).toBe(false);
    expect(isInfrastructureError(new ExecutorError('agent call failed (network)', true, { failure: 'network' }))).toBe(false);
    const judge = new DomainError(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR, 'provider unreachable');
    (judge as unknown as { cause: unknown }).cause = refused;
    expect(isInfrastructureError(judge)).toBe(false);
  });
});

describe('InfrastructureWaits', () => {
  const job = { id: 'chunk-1', timestamp: Date.now() };

  it('backs off exponentially up to its cap for our outages, per job, and starts over once the job settles', () => {
    const waits = new InfrastructureWaits(100, 1000, 60_000);
    const delays = Array.from({ length: 6 }, () => waits.delayFor(job, refused)!);
    expect(delays[0]).toBeGreaterThanOrEqual(80);
    expect(delays[0]).toBeLessThanOrEqual(120);
    expect(delays[3]).toBeGreaterThanOrEqual(640);
    for (const d of delays.slice(4)) expect(d).toBeLessThanOrEqual(1200);
    expect(waits.delayFor({ id: 'chunk-2', timestamp: Date.now() }, refused)).toBeLessThanOrEqual(120);
    waits.settled(job);
    expect(waits.delayFor(job, refused)).toBeLessThanOrEqual(120);
  });

  it('leaves other errors, and jobs older than the run may live, to the normal attempts', () => {
    const waits = new InfrastructureWaits(100, 1000, 60_000);
    expect(waits.delayFor(job, new Error('bug'))).toBeNull();
    expect(waits.delayFor({ id: 'old', timestamp: Date.now() - 61_000 }, refused)).toBeNull();
  });
});

describe('cappedBackoff', () => {
  it('doubles from the base and stops at the cap, with jitter', () => {
    expect(cappedBackoff(1, 1000, 60_000)).toBeLessThanOrEqual(1200);
    expect(cappedBackoff(20, 1000, 60_000)).toBeLessThanOrEqual(72_000);
    expect(cappedBackoff(20, 1000, 60_000)).toBeGreaterThanOrEqual(48_000);
  });
});
