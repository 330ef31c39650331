import { INestApplication } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { JobProducer } from '@greenlight/queue';
import { createWorkerApp } from '../apps/worker/src/create-worker-app';
import { bootstrapOrg } from '../scripts/bootstrap';
import { ApiHarness, startApi, uniqueName } from './support/harness';
import { expectError, expectSuccess, sleep } from './support/e2e-helpers';

/** Polls a job until it completed or failed (or `timeoutMs` passed). */
async function settled(queue: Queue, id: string, timeoutMs = 10_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(id);
    if (job && (job.finishedOn || job.failedReason)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish in ${timeoutMs} ms (state ${job ? await job.getState() : 'missing'})`);
    await sleep(50);
  }
}

describe('worker', () => {
  let config: AppConfig;
  let w1: INestApplication;
  let w2: INestApplication;
  let producer: JobProducer;
  let system: Queue;

  beforeAll(async () => {
    config = AppConfig.fromEnv(process.env);
    // Two workers, as in a scaled deployment; both register their schedulers at boot.
    w1 = await createWorkerApp(config);
    await w1.init();
    w2 = await createWorkerApp(config);
    await w2.init();
    producer = w1.get(JobProducer);
    system = producer.queue('system');
  });
  afterAll(async () => {
    await w1?.close();
    await w2?.close();
  });

  it('processes a system.ping job and returns when it was received', async () => {
    const sentAt = new Date().toISOString();
    const id = await producer.enqueue('system.ping', { sent_at: sentAt });
    const job = await settled(system, id);
    expect(job.failedReason).toBeUndefined();
    expect(job.returnvalue).toMatchObject({ sent_at: sentAt });
    expect(typeof job.returnvalue.received_at).toBe('string');
    const received = new Date(job.returnvalue.received_at).getTime();
    expect(received).toBeGreaterThanOrEqual(new Date(sentAt).getTime());
    expect(received).toBeLessThanOrEqual(Date.now());
  });

  it('jobs enqueued by the api app are processed by the worker', async () => {
    const api: ApiHarness = await startApi();
    try {
      const apiProducer = api.app.get(JobProducer);
      const id = await apiProducer.enqueue('system.ping', { sent_at: new Date().toISOString(), note: 'from api' });
      const job = await settled(apiProducer.queue('system'), id);
      expect(job.returnvalue).toHaveProperty('received_at');
    } finally {
      await api.close();
    }
  });

  it('several pings are each processed exactly once', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => producer.enqueue('system.ping', { sent_at: new Date().toISOString(), note: `n${i}` })));
    const jobs = await Promise.all(ids.map((id) => settled(system, id)));
    for (const job of jobs) {
      expect(job.returnvalue).toHaveProperty('received_at');
      expect(job.attemptsMade).toBe(1);
    }
  });

  it('a job name without a handler fails at once, without retries', async () => {
    const job = await system.add('system.no_such_job', {}, { attempts: 3, backoff: { type: 'fixed', delay: 10 } });
    const done = await settled(system, job.id!);
    expect(done.failedReason).toMatch(/no handler/);
    expect(done.attemptsMade).toBe(1);
    expect(await done.getState()).toBe('failed');
  });

  it('two workers register each system scheduler exactly once', async () => {
    const schedulers = await system.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(['purge-idempotency-records', 'queue-maintenance']);
    const purge = schedulers.find((s) => s.key === 'purge-idempotency-records')!;
    expect(purge).toMatchObject({ name: 'system.purge_idempotency' });
    expect(purge.every).toBeGreaterThan(0);
    expect(schedulers.find((s) => s.key === 'queue-maintenance')).toMatchObject({ name: 'system.queue_maintenance' });
  });

  it('system.purge_idempotency deletes expired records and keeps live ones', async () => {
    const db = w1.get(DataSource);
    const { api_key } = await bootstrapOrg(config, uniqueName('Purge Org'));
    const [{ id: keyId }] = await db.query('SELECT id FROM api_keys WHERE key_prefix = $1', [api_key.split('_').slice(0, 2).join('_')]);
    const insert = (key: string, expires: string) =>
      db.query(
        `INSERT INTO idempotency_records (api_key_id, idempotency_key, method, path, request_hash, status, response_status, response_body, expires_at)
         VALUES ($1, $2, 'POST', '/api/v1/agents', 'h', 'completed', 201, '{}'::jsonb, now() + $3::interval)`,
        [keyId, key, expires],
      );
    await insert('expired-1', '-1 hour');
    await insert('expired-2', '-1 second');
    await insert('live-1', '1 day');

    const id = await producer.enqueue('system.purge_idempotency', {});
    const job = await settled(system, id);
    expect(job.failedReason).toBeUndefined();
    expect(job.returnvalue.deleted).toBeGreaterThanOrEqual(2);
    const left = await db.query('SELECT idempotency_key FROM idempotency_records WHERE api_key_id = $1 ORDER BY idempotency_key', [keyId]);
    expect(left.map((r: { idempotency_key: string }) => r.idempotency_key)).toEqual(['live-1']);
  });

  it('serves /health, /health/ready and /metrics, and no API routes', async () => {
    const http = request(w1.getHttpServer());
    const live = await http.get('/health');
    expect(expectSuccess(live, 200)).toMatchObject({ status: 'ok', service: 'worker' });
    expect(live.headers['x-request-id']).toMatch(/\S/);
    expect(live.headers['x-api-version']).toBeUndefined();
    expect(expectSuccess(await http.get('/health/ready'), 200)).toMatchObject({
      status: 'ready',
      service: 'worker',
      postgres: { status: 'up' },
      redis: { status: 'up' },
    });
    const metrics = await http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toContain('greenlight_http_requests_total');
    expectError(await http.get('/api/v1/agents'), 404, 'NOT_FOUND');
    expectError(await http.get('/docs-json'), 404, 'NOT_FOUND');
  });
});
