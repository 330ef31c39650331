import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@greenlight/config';
import { JobProducer, ownerKey, PrefixOwnership, RedisPrefixConflictError, redisOptionsFromUrl } from '@greenlight/queue';
import { QueueName } from '@greenlight/contracts';
import { createTestEnvironment, destroyTestEnvironment, TestEnvironment } from '@greenlight/testing';
import { createApiApp } from '../apps/api/src/create-api-app';
import { createWorkerApp } from '../apps/worker/src/create-worker-app';
import { agentBody, expectSuccess, sleep, waitForRun, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const WORKER_MAIN = join(__dirname, '..', 'dist', 'apps', 'worker', 'src', 'main.js');

/**
 * A Redis prefix belongs to one database. Apps of another database refuse to start on it (naming
 * REDIS_PREFIX and both databases) instead of taking its jobs and failing them; a running worker whose
 * prefix is taken over leaves jobs alone instead of failing them.
 */
describe('one Redis prefix, one database', () => {
  let h: ApiHarness;
  let keys: OrgKeys;
  let other: TestEnvironment;
  let redis: Redis;
  const prefix = () => h.config.get('REDIS_PREFIX');
  /** The config of a deployment of the other database pointed at this file's prefix. */
  const intruderConfig = () =>
    AppConfig.fromEnv({ ...process.env, DATABASE_URL: other.DATABASE_URL, REDIS_PREFIX: prefix(), WORKER_PORT: '0', LOG_LEVEL: 'error' });

  beforeAll(async () => {
    // The api alone: runs it starts wait in the queue until a worker of this database takes them.
    h = await startApi();
    keys = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
    other = await createTestEnvironment();
    redis = new Redis(redisOptionsFromUrl(h.config.get('REDIS_URL')));
  });
  afterAll(async () => {
    await h.close();
    await destroyTestEnvironment(other);
    redis.disconnect();
  });

  async function startedRun(): Promise<string> {
    const agentId = expectSuccess(await h.http.post('/api/v1/agents').set(bearer(keys.member)).send(agentBody()), 201).id;
    const cases = [1, 2, 3].map((i) => ({ input: `question ${i} ${uniqueName('q')}`, expected_answer: `answer ${i}` }));
    const setId = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(keys.member))
        .send({ agent_id: agentId, name: uniqueName('S'), cases }),
      201,
    ).golden_set.id;
    const runId = expectSuccess(
      await h.http.post('/api/v1/eval/runs').set(bearer(keys.member)).send({ agent_id: agentId, golden_set_id: setId, executor_mode: 'simulated' }),
      202,
    ).id;
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${runId}/start`).set(bearer(keys.member)), 202);
    return runId;
  }

  async function expectRefused(create: (c: AppConfig) => Promise<INestApplication>): Promise<void> {
    const app = await create(intruderConfig());
    const boot = app.init();
    await expect(boot).rejects.toBeInstanceOf(RedisPrefixConflictError);
    const err = (await boot.catch((e: Error) => e)) as RedisPrefixConflictError;
    expect(err.message).toContain(`REDIS_PREFIX "${prefix()}"`);
    const mine = new URL(h.config.get('DATABASE_URL'));
    const theirs = new URL(other.DATABASE_URL);
    expect(err.message).toContain(`${mine.hostname}:${mine.port || '5432'}${mine.pathname}`);
    expect(err.message).toContain(`${theirs.hostname}:${theirs.port || '5432'}${theirs.pathname}`);
    await app.close();
  }

  it("apps of another database refuse to start on the prefix; the owner's run waits for its own worker and completes", async () => {
    const runId = await startedRun();
    const queue = h.app.get(JobProducer).queue(QueueName.EvalRuns);

    await expectRefused(createWorkerApp);
    await expectRefused(createApiApp);
    // This checks that nothing happens, so there is no event to wait for: a refused worker that had
    // consumed anyway would have moved the job within this grace period.
    await sleep(300);
    // Nothing of the owner's was touched: its start job still waits, no attempt used, nothing failed.
    expect(await queue.getFailedCount()).toBe(0);
    const waiting = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(waiting.map((j) => j.name)).toContain('eval.run.start');
    expect(waiting.every((j) => j.attemptsMade === 0)).toBe(true);

    // A worker of the owning database starts without complaint and runs it.
    const worker = await createWorkerApp(AppConfig.fromEnv({ ...process.env, WORKER_PORT: '0' }));
    await worker.init();
    try {
      const run = await waitForRun(h, keys.viewer, runId, (r) => ['completed', 'failed'].includes(r.status));
      expect(run).toMatchObject({ status: 'completed', completed_cases: 3 });
    } finally {
      await worker.close();
    }
  });

  it('the built worker exits 78 with one line naming REDIS_PREFIX', async () => {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, DATABASE_URL: other.DATABASE_URL, REDIS_PREFIX: prefix(), WORKER_PORT: '0', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(78);
    expect(stderr).toMatch(new RegExp(`^greenlight worker: REDIS_PREFIX "${prefix()}" belongs to another database`));
    expect(stderr).toContain(`redis-cli DEL ${ownerKey(prefix())}`);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a running worker whose prefix is taken over leaves jobs alone (delayed, no attempt used) until the prefix is back', async () => {
    const worker = await createWorkerApp(AppConfig.fromEnv({ ...process.env, WORKER_PORT: '0' }));
    await worker.init();
    const ownership = worker.get(PrefixOwnership);
    const queue = worker.get(JobProducer).queue(QueueName.System);
    try {
      expect(ownership.isOwner).toBe(true);
      const original = (await redis.get(ownerKey(prefix())))!;
      await redis.set(ownerKey(prefix()), JSON.stringify({ id: 'pg:other/elsewhere', database: 'db.elsewhere:5432/theirs' }));
      // The takeover is logged as an error once; expected here, so kept out of the test output.
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      expect(await ownership.check()).toBe(false);
      expect(await ownership.check()).toBe(false);
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0][0])).toContain('db.elsewhere:5432/theirs');
      logged.mockRestore();

      const id = await worker.get(JobProducer).enqueue('system.ping', { sent_at: new Date().toISOString() });
      const job = await waitUntil(
        'the job to be put back (delayed)',
        async () => {
          const current = await queue.getJob(id);
          return (await current!.getState()) === 'delayed' && current;
        },
        5000,
      );
      expect(job.attemptsMade).toBe(0);
      expect(await queue.getFailedCount()).toBe(0);

      // The prefix is this database's again: the job runs.
      await redis.set(ownerKey(prefix()), original);
      expect(await ownership.check()).toBe(true);
      await job.promote();
      await waitUntil('the job to complete', async () => (await job.getState()) === 'completed', 5000);
    } finally {
      await worker.close();
    }
  });
});
