import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { QueueName } from '@greenlight/contracts';
import { redisOptionsFromUrl } from '@greenlight/queue';
import { expectSuccess, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';

const WORKER_MAIN = join(__dirname, '..', 'dist', 'apps', 'worker', 'src', 'main.js');

const ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE_MS: '2000,2000,2000,2000',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_SWEEP_INTERVAL_MS: '500',
  QUEUE_MAINTENANCE_INTERVAL_MS: '2000',
};

/** Every job scheduler a worker keeps, by queue. */
const EXPECTED: [string, string][] = [
  [QueueName.System, 'purge-idempotency-records'],
  [QueueName.System, 'queue-maintenance'],
  [QueueName.Notifications, 'notify-sweep'],
];

/**
 * Redis losing its data (restarted without persistence, or every key of the prefix gone) loses the
 * job schedulers with it: maintenance, the outbox sweeper and the idempotency purge. Running workers
 * (real processes of the built app) must bring them back without a restart, and a webhook delivery
 * whose retry job was lost must still be delivered. A restart without persistence is, for the apps,
 * every connection dropped and every key of their prefix gone when they reconnect: the workers reach
 * Redis through a proxy the test cuts while it deletes the keys.
 */
describe('job schedulers after Redis loses its data (real worker processes)', () => {
  const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  let proxy: TcpProxy;
  let client: Redis;
  let h: ApiHarness;
  let db: DataSource;
  let A: OrgKeys;
  let receiver: WebhookReceiver;
  const workers = new Set<ChildProcess>();
  const prefix = () => h.config.get('REDIS_PREFIX');

  function spawnWorker(env: Record<string, string>, through?: TcpProxy): ChildProcess {
    const url = new URL(redisUrl);
    if (through) {
      url.hostname = '127.0.0.1';
      url.port = String(through.port);
    }
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, ...ENV, WORKER_PORT: '0', LOG_LEVEL: 'error', ...env, REDIS_URL: url.toString() },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    });
    workers.add(child);
    child.on('exit', () => workers.delete(child));
    return child;
  }

  function killWorker(child: ChildProcess): void {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  }

  /** The schedulers missing in Redis: no entry, or no job for its upcoming iteration. */
  async function missingSchedulers(): Promise<string[]> {
    const missing: string[] = [];
    for (const [queue, id] of EXPECTED) {
      const next = await client.zscore(`${prefix()}:${queue}:repeat`, id).catch(() => null);
      const job = next === null ? 0 : await client.exists(`${prefix()}:${queue}:repeat:${id}:${next}`).catch(() => 0);
      if (!job) missing.push(id);
    }
    return missing;
  }

  const allPresent = async () => (await missingSchedulers()).length === 0;

  /** Deletes every key of the prefix: what a Redis restarted without persistence does to our data. */
  async function wipePrefix(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix()}:*`, 'COUNT', 1000);
      if (keys.length) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(await missingSchedulers()).toEqual(EXPECTED.map(([, id]) => id));
  }

  /** A port nobody listens on right now, for a worker's health server the test asks. */
  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  /** The worker's readiness: 200 while it reaches Postgres and Redis, 503 once either is gone. */
  const readiness = (port: number) =>
    fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (res) => res.status,
      () => 0,
    );

  async function deliveryStatus(id: string): Promise<string> {
    return (await db.query(`SELECT status FROM notification_outbox WHERE id = $1`, [id]))[0].status;
  }

  beforeAll(async () => {
    proxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    client = new Redis(redisOptionsFromUrl(redisUrl.toString()));
    receiver = await startWebhookReceiver();
    h = await startApi(ENV);
    db = h.app.get(DataSource);
    A = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(async () => {
    for (const w of workers) killWorker(w);
    await h.close();
    await receiver.close();
    client.disconnect();
    await proxy.close();
  });

  it('Redis restarted without persistence: the schedulers are back within about a second of the reconnect, and a retry whose job was lost is delivered', async () => {
    // The periodic check is far away: only the reconnect can bring the schedulers back in time.
    const port = await freePort();
    const worker = spawnWorker({ JOB_SCHEDULER_CHECK_INTERVAL_MS: '600000', WORKER_PORT: String(port) }, proxy);
    await waitUntil('the schedulers of the booted worker', allPresent, 20_000);

    // A delivery that failed once (the receiver is down) waits in Redis for its retry.
    const { endpoint } = expectSuccess(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(A.admin))
        .send({ url: `${receiver.url}/lost` }),
      201,
    );
    await receiver.stop();
    const attempt = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    expect(attempt).toMatchObject({ outcome: 'retrying', status_code: null });
    expect(await deliveryStatus(attempt.delivery_id)).toBe('pending');

    // Redis goes away: the worker notices (its readiness says so) before the keys are gone and it may reconnect.
    await proxy.cut();
    await waitUntil('the worker to see Redis gone', async () => (await readiness(port)) === 503, 10_000);
    await wipePrefix();
    await proxy.restore();
    const restarted = Date.now();
    await waitUntil('the schedulers after the restart', allPresent, 15_000);
    const recoveredMs = Date.now() - restarted;
    console.log(`job schedulers back ${recoveredMs} ms after Redis was reachable again, empty`);
    expect(recoveredMs).toBeLessThan(5_000);

    await receiver.start();
    await waitUntil('the lost retry to be delivered', async () => (await deliveryStatus(attempt.delivery_id)) === 'delivered', 20_000);
    console.log(
      `pending webhook delivered ${Date.now() - restarted} ms after Redis was reachable again, empty (retry due 2 s after the failure, swept 5 s after it was due)`,
    );
    killWorker(worker);
  }, 60_000);

  it('every key of the prefix deleted while connected: the periodic check brings the schedulers back', async () => {
    spawnWorker({ JOB_SCHEDULER_CHECK_INTERVAL_MS: '1000' });
    await waitUntil('the schedulers of the booted worker', allPresent, 20_000);
    await wipePrefix();
    const emptied = Date.now();
    await waitUntil('the schedulers after the keys were deleted', allPresent, 10_000);
    const recoveredMs = Date.now() - emptied;
    console.log(`job schedulers back ${recoveredMs} ms after the prefix was emptied (check every 1000 ms)`);
    expect(recoveredMs).toBeLessThan(3_000);
  }, 60_000);
});
