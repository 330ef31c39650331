import { INestApplication } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import request from 'supertest';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { IdempotencyStore } from '@greenlight/platform';
import { bullConnection, JobProducer } from '@greenlight/queue';
import { createWorkerApp } from '../apps/worker/src/create-worker-app';
import { sleep, waitUntil } from './support/e2e-helpers';

/** The job once it completed or failed. */
function settled(queue: Queue, id: string): Promise<Job> {
  return waitUntil(
    `job ${id} to finish`,
    async () => {
      const job = await queue.getJob(id);
      return job && (job.finishedOn || job.failedReason) ? job : null;
    },
    10_000,
  );
}

describe('queue consumers and the typed producer', () => {
  let config: AppConfig;
  let worker: INestApplication;
  let producer: JobProducer;
  let closed = false;

  beforeAll(async () => {
    config = AppConfig.fromEnv({
      ...process.env,
      WORKER_PORT: '0',
      QUEUE_SYSTEM_JOB_ATTEMPTS: '2',
      QUEUE_SYSTEM_KEEP_COMPLETED_SECONDS: '120',
      QUEUE_SYSTEM_KEEP_COMPLETED_COUNT: '0',
      // No scheduled maintenance: its jobs would share the system queue with the ones looked at here.
      QUEUE_MAINTENANCE_INTERVAL_MS: '0',
    });
    worker = await createWorkerApp(config);
    await worker.init();
    producer = worker.get(JobProducer);
  });
  afterAll(async () => {
    if (!closed) await worker?.close();
  });

  it("jobs get their queue's options from the settings unless they set their own", async () => {
    const system = producer.queue(QueueName.System);
    const plain = await system.getJob(await producer.enqueue('system.ping', { sent_at: new Date().toISOString() }));
    expect(plain!.opts).toMatchObject({
      attempts: 2,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 120 },
      removeOnFail: { age: 604_800 },
    });
    expect(plain!.opts.removeOnComplete).not.toHaveProperty('count');
    const own = await system.getJob(await producer.enqueue('system.ping', { sent_at: new Date().toISOString() }, { attempts: 1 }));
    expect(own!.opts.attempts).toBe(1);
    // Another queue keeps its own defaults.
    const notifications = producer.queue(QueueName.Notifications);
    expect(notifications.defaultJobOptions).toMatchObject({ attempts: 1, removeOnComplete: { age: 86_400, count: 10_000 } });
  });

  it('enqueueBulk puts each job on the queue of its name and answers the ids in order', async () => {
    const sentAt = new Date().toISOString();
    const ids = await producer.enqueueBulk([
      { name: 'system.ping', data: { sent_at: sentAt, note: 'a' } },
      { name: 'notify.deliver', data: { outbox_id: '00000000-0000-0000-0000-000000000000', org_id: 'x' }, opts: { delay: 60_000, jobId: 'bulk-deliver' } },
      { name: 'system.ping', data: { sent_at: sentAt, note: 'b' } },
    ]);
    expect(ids[1]).toBe('bulk-deliver');
    const deliver = await producer.queue(QueueName.Notifications).getJob('bulk-deliver');
    expect(deliver!.name).toBe('notify.deliver');
    await deliver!.remove();
    const pings = await Promise.all([ids[0], ids[2]].map((id) => settled(producer.queue(QueueName.System), id)));
    expect(pings.map((j) => j.returnvalue.sent_at)).toEqual([sentAt, sentAt]);
    expect(pings.map((j) => j.data.note)).toEqual(['a', 'b']);
  });

  it('a job name without a handler fails at once on every queue, and requeueCopy adds it again as a new, delayed job', async () => {
    const evalRuns = producer.queue(QueueName.EvalRuns);
    const stray = await evalRuns.add('eval.run.unknown', { run_id: 'r' }, { attempts: 4, backoff: { type: 'fixed', delay: 10 } });
    const failed = await settled(evalRuns, stray.id!);
    expect(failed.failedReason).toMatch(/no handler for job "eval.run.unknown" on queue eval-runs/);
    expect(failed.attemptsMade).toBe(1);

    const copyId = await producer.requeueCopy(failed, { delay: 60_000 });
    expect(copyId).not.toBe(failed.id);
    const copy = await evalRuns.getJob(copyId);
    expect(copy).toMatchObject({ name: 'eval.run.unknown', data: { run_id: 'r' } });
    expect(copy!.opts).toMatchObject({ attempts: 4, backoff: { type: 'fixed', delay: 10 }, delay: 60_000 });
    expect(await copy!.getState()).toBe('delayed');
    await copy!.remove();
  });

  it('counts and times every try on /metrics by queue, job name and outcome', async () => {
    await settled(producer.queue(QueueName.System), await producer.enqueue('system.ping', { sent_at: new Date().toISOString() }));
    const text = (await request(worker.getHttpServer()).get('/metrics')).text;
    expect(text).toMatch(/greenlight_jobs_total\{queue="system",name="system.ping",outcome="completed"\} [1-9]/);
    expect(text).toMatch(/greenlight_jobs_total\{queue="eval-runs",name="unknown",outcome="failed"\} 1/);
    expect(text).toMatch(/greenlight_job_duration_seconds_count\{queue="system",name="system.ping",outcome="completed"\} [1-9]/);
  });

  it('on shutdown the worker finishes the job it runs before it stops', async () => {
    const store = worker.get(IdempotencyStore, { strict: false });
    const purge = store.purgeExpired.bind(store);
    let started = false;
    jest.spyOn(store, 'purgeExpired').mockImplementation(async () => {
      started = true;
      await sleep(800);
      return purge();
    });
    const id = await producer.enqueue('system.purge_idempotency', {});
    await waitUntil('the purge to start', async () => started, 5000);
    await worker.close();
    closed = true;
    const system = new Queue(QueueName.System, { connection: bullConnection(config.get('REDIS_URL')), prefix: config.get('REDIS_PREFIX') });
    try {
      const job = await system.getJob(id);
      expect(await job!.getState()).toBe('completed');
      expect(job!.attemptsMade).toBe(1);
    } finally {
      await system.close();
    }
  });
});
