import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { verifyWebhookSignature } from '@greenlight/notifications';
import { startTestAgent, TestAgent } from './support/agent-server';
import { expectError, expectSuccess, expectValidation, isTerminalRun, newRunOfCases, sleep, waitForRun } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';
import { ReceivedWebhook, startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';

const ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE_MS: '100,200,300',
  WEBHOOK_TIMEOUT_MS: '500',
  WEBHOOK_SWEEP_INTERVAL_MS: '500',
  WEBHOOK_MAX_RETRY_AFTER_MS: '1500',
  WEBHOOK_MAX_ENDPOINTS_PER_ORG: '25',
  EVAL_WORKER_CHUNK_SIZE: '5',
  QUEUE_MAINTENANCE_INTERVAL_MS: '0',
};

const headersOf = (hook: ReceivedWebhook) => hook.headers as Record<string, string>;

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('webhook endpoints and signed delivery', () => {
  let h: ApiHarness;
  let db: DataSource;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;
  let receiver: WebhookReceiver;
  let agent: TestAgent;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    agent = await startTestAgent((input) => ({ body: { output: `answer ${/case (\d+)/.exec(input)?.[1]}` } }));
    h = await startApi(ENV, { worker: true });
    db = h.app.get(DataSource);
    g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
    await agent.close();
  });

  /** A receiver path per test, so each test sees only its own deliveries. */
  const path = (name: string) => `${receiver.url}/${name}-${randomUUID().slice(0, 8)}`;
  const createEndpoint = async (keys: OrgKeys, body: Record<string, unknown>) =>
    expectSuccess(await h.http.post('/api/v1/webhooks/endpoints').set(bearer(keys.admin)).send(body), 201) as { endpoint: any; secret: string };

  it('endpoints: create shows the secret once, SSRF-checked URLs, event filters, tenancy, limits', async () => {
    const created = await createEndpoint(A, { url: path('crud'), description: 'CI', event_types: ['eval_run.completed'] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.endpoint).toMatchObject({ org_id: A.org_id, enabled: true, event_types: ['eval_run.completed'], consecutive_failures: 0 });
    expect(created.endpoint.secret).toBeUndefined();
    const id = created.endpoint.id;
    const got = expectSuccess(await h.http.get(`/api/v1/webhooks/endpoints/${id}`).set(bearer(A.admin)), 200);
    expect(JSON.stringify(got)).not.toContain(created.secret);
    expect(expectSuccess(await h.http.get('/api/v1/webhooks/endpoints').set(bearer(A.admin)), 200).items.map((e: any) => e.id)).toContain(id);
    expectError(await h.http.get(`/api/v1/webhooks/endpoints/${id}`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expectError(await h.http.patch(`/api/v1/webhooks/endpoints/${id}`).set(bearer(B.admin)).send({ description: 'x' }), 404, 'NOT_FOUND');
    expectError(await h.http.get('/api/v1/webhooks/endpoints').set(bearer(A.member)), 403, 'FORBIDDEN');
    expectError(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(A.member))
        .send({ url: path('x') }),
      403,
      'FORBIDDEN',
    );
    expectValidation(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(g.api_key))
        .send({ url: path('x') }),
      ['org_id'],
    );

    // validation, and the outbound policy at creation
    expectValidation(await h.http.post('/api/v1/webhooks/endpoints').set(bearer(A.admin)).send({ url: 'ftp://example.com/x' }), ['url']);
    expectValidation(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(A.admin))
        .send({ url: path('x'), event_types: ['no.such.event'] }),
      ['event_types'],
    );
    for (const url of ['http://10.1.2.3/hook', 'http://169.254.169.254/latest', 'http://[::1]:8080/x', 'http://127.0.0.2:9/x']) {
      const err = expectError(await h.http.post('/api/v1/webhooks/endpoints').set(bearer(A.admin)).send({ url }), 400, 'OUTBOUND_URL_REFUSED');
      expect(err.details).toMatchObject({ field: 'url' });
    }
    expectError(await h.http.patch(`/api/v1/webhooks/endpoints/${id}`).set(bearer(A.admin)).send({ url: 'http://192.168.1.1/x' }), 400, 'OUTBOUND_URL_REFUSED');

    const patched = expectSuccess(
      await h.http.patch(`/api/v1/webhooks/endpoints/${id}`).set(bearer(A.admin)).send({ event_types: [], description: 'all events' }),
      200,
    );
    expect(patched).toMatchObject({ event_types: [], description: 'all events' });

    // an Idempotency-Key replay never shows the secret again
    const key = randomUUID();
    const idemUrl = path('idem');
    const first = expectSuccess(await h.http.post('/api/v1/webhooks/endpoints').set(bearer(B.admin)).set('Idempotency-Key', key).send({ url: idemUrl }), 201);
    const replay = expectSuccess(await h.http.post('/api/v1/webhooks/endpoints').set(bearer(B.admin)).set('Idempotency-Key', key).send({ url: idemUrl }), 201);
    expect(first.secret).toMatch(/^whsec_/);
    expect(replay).toMatchObject({ endpoint: { id: first.endpoint.id }, secret: null });

    // at most WEBHOOK_MAX_ENDPOINTS_PER_ORG (25) per org
    for (let i = 0; i < 24; i++) await createEndpoint(B, { url: path('limit') });
    expectError(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(B.admin))
        .send({ url: path('limit') }),
      422,
      'WEBHOOK_ENDPOINT_LIMIT_REACHED',
    );
    const all = expectSuccess(await h.http.get('/api/v1/webhooks/endpoints').query({ limit: 100 }).set(bearer(B.admin)), 200);
    expect(all.total).toBe(25);
    for (const e of all.items) expectSuccess(await h.http.delete(`/api/v1/webhooks/endpoints/${e.id}`).set(bearer(B.admin)), 200);
    expectError(await h.http.get(`/api/v1/webhooks/endpoints/${first.endpoint.id}`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expectSuccess(await h.http.delete(`/api/v1/webhooks/endpoints/${id}`).set(bearer(A.admin)), 200);
  });

  it('a completed run is delivered, signed, to the endpoints that want it; standardwebhooks and our helper verify it', async () => {
    const url = path('runs');
    const wants = await createEndpoint(A, { url, event_types: ['eval_run.completed'] });
    const other = await createEndpoint(A, { url: path('failed-only'), event_types: ['eval_run.failed'] });
    receiver.behave(() => ({ status: 204 }));
    const runId = await newRunOfCases(h, A, agent.url, 7);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${runId}/start`).set(bearer(A.member)), 202);
    await waitForRun(h, A.viewer, runId, isTerminalRun);
    const hook = await until('the webhook', async () => receiver.received.find((r) => r.body.includes(runId) && r.body.includes('eval_run.completed')));
    const body = JSON.parse(hook.body);
    expect(body).toMatchObject({
      type: 'eval_run.completed',
      org_id: A.org_id,
      data: { run_id: runId, status: 'completed', total_cases: 7, completed_cases: 7 },
    });
    const headers = headersOf(hook);
    expect(headers['webhook-id']).toBe(body.delivery_id);
    expect(headers['x-greenlight-delivery-id']).toBe(body.delivery_id);
    expect(headers['content-type']).toBe('application/json');
    expect(new Webhook(wants.secret).verify(hook.body, headers)).toEqual(body);
    expect(() => new Webhook(other.secret).verify(hook.body, headers)).toThrow();
    expect(verifyWebhookSignature({ body: hook.body, headers, secret: wants.secret })).toEqual({ ok: true, reason: null, scheme: 'standard' });
    const seedOnly = { 'x-greenlight-timestamp': headers['x-greenlight-timestamp'], 'x-greenlight-signature': headers['x-greenlight-signature'] };
    expect(verifyWebhookSignature({ body: hook.body, headers: seedOnly, secret: wants.secret })).toMatchObject({ ok: true, scheme: 'greenlight' });
    // the failed-only endpoint got no row at all
    const rows = await db.query(`SELECT endpoint_id, status FROM notification_outbox WHERE data->>'run_id' = $1 AND endpoint_id = ANY($2)`, [
      runId,
      [wants.endpoint.id, other.endpoint.id],
    ]);
    expect(rows).toEqual([{ endpoint_id: wants.endpoint.id, status: 'delivered' }]);
    const attempts = expectSuccess(await h.http.get(`/api/v1/webhooks/endpoints/${wants.endpoint.id}/deliveries`).set(bearer(A.admin)), 200);
    expect(attempts.items[0]).toMatchObject({
      delivery_id: body.delivery_id,
      event_type: 'eval_run.completed',
      attempt: 1,
      outcome: 'delivered',
      status_code: 204,
      error: null,
      delivery_status: 'delivered',
    });
    expect(attempts.items[0].latency_ms).toBeLessThan(500); // the receiver answered at once; WEBHOOK_TIMEOUT_MS is 500
    expectError(await h.http.get(`/api/v1/webhooks/endpoints/${wants.endpoint.id}/deliveries`).set(bearer(B.admin)), 404, 'NOT_FOUND');
  });

  it('retries after 500s and a timeout, with the same delivery id and the same body every time', async () => {
    const { endpoint, secret } = await createEndpoint(A, { url: path('flaky') });
    let calls = 0;
    receiver.behave((hook) => {
      if (!hook.body.includes(endpoint.id)) return { status: 200 };
      calls++;
      if (calls <= 2) return { status: 500 };
      if (calls === 3) return { status: 200, delay_ms: 900 }; // over WEBHOOK_TIMEOUT_MS (500)
      return { status: 200 };
    });
    const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    expect(test).toMatchObject({ event_type: 'webhook.test', outcome: 'retrying', attempt: 1, status_code: 500, error: 'HTTP 500' });
    const done = await until('delivery', async () => {
      const row = expectSuccess(await h.http.get(`/api/v1/system/notifications/outbox/${test.delivery_id}`).set(bearer(A.admin)), 200);
      return row.status === 'delivered' && row;
    });
    expect(done.attempts).toBe(4);
    const copies = receiver.received.filter((r) => r.headers['webhook-id'] === test.delivery_id);
    expect(copies).toHaveLength(4);
    expect(new Set(copies.map((c) => c.body)).size).toBe(1);
    for (const c of copies) expect(new Webhook(secret).verify(c.body, headersOf(c))).toMatchObject({ delivery_id: test.delivery_id });
    const attempts = expectSuccess(await h.http.get(`/api/v1/webhooks/endpoints/${endpoint.id}/deliveries`).set(bearer(A.admin)), 200).items.reverse();
    expect(attempts.map((a: any) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', null],
      [4, 'delivered', 200],
    ]);
    expect(attempts[2].error).toMatch(/timeout/);
    // the retries waited at least the schedule (100, 200, 300 ms)
    const at = copies.map((c) => c.at);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(90);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(190);
  });

  it('Retry-After is honoured (capped by WEBHOOK_MAX_RETRY_AFTER_MS)', async () => {
    const { endpoint } = await createEndpoint(A, { url: path('retry-after') });
    let calls = 0;
    receiver.behave((hook) => (hook.body.includes(endpoint.id) && ++calls === 1 ? { status: 503, headers: { 'Retry-After': '1' } } : { status: 200 }));
    const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    expect(test).toMatchObject({ outcome: 'retrying', status_code: 503 });
    expect(new Date(test.next_attempt_at).getTime() - Date.now()).toBeGreaterThan(700); // not the 100 ms of the schedule
    await until('delivery', async () => (await db.query(`SELECT status FROM notification_outbox WHERE id = $1`, [test.delivery_id]))[0].status === 'delivered');
    const copies = receiver.received.filter((r) => r.headers['webhook-id'] === test.delivery_id);
    expect(copies[1].at - copies[0].at).toBeGreaterThanOrEqual(950);
  });

  it('410 Gone kills the delivery and disables the endpoint; an activity event says so', async () => {
    const { endpoint } = await createEndpoint(A, { url: path('gone') });
    receiver.behave((hook) => (hook.body.includes(endpoint.id) ? { status: 410 } : { status: 200 }));
    const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    expect(test).toMatchObject({ outcome: 'dead', status_code: 410 });
    const e = expectSuccess(await h.http.get(`/api/v1/webhooks/endpoints/${endpoint.id}`).set(bearer(A.admin)), 200);
    expect(e).toMatchObject({ enabled: false });
    expect(e.disabled_reason).toMatch(/410/);
    const row = expectSuccess(await h.http.get(`/api/v1/system/notifications/outbox/${test.delivery_id}`).set(bearer(A.admin)), 200);
    expect(row).toMatchObject({ status: 'dead', dead_reason: 'gone', last_status_code: 410 });
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM activity_events WHERE event_type = 'webhook_endpoint_disabled' AND metadata->>'endpoint_id' = $1`,
      [endpoint.id],
    );
    expect(n).toBe(1);
    // re-enabling clears the failure state
    const again = expectSuccess(await h.http.patch(`/api/v1/webhooks/endpoints/${endpoint.id}`).set(bearer(A.admin)).send({ enabled: true }), 200);
    expect(again).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
  });

  it('dead letter after the schedule; summary by reason and age; retry from the dead-letter set', async () => {
    const { endpoint } = await createEndpoint(A, { url: path('dead') });
    receiver.behave((hook) => (hook.body.includes(endpoint.id) ? { status: 500 } : { status: 200 }));
    const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    const dead = await until('the dead letter', async () => {
      const row = expectSuccess(await h.http.get(`/api/v1/system/notifications/outbox/${test.delivery_id}`).set(bearer(A.admin)), 200);
      return row.status === 'dead' && row;
    });
    expect(dead).toMatchObject({ attempts: 4, dead_reason: 'retries_exhausted', last_status_code: 500, last_error: 'HTTP 500' });
    const list = expectSuccess(
      await h.http.get('/api/v1/system/notifications/outbox').query({ status: 'dead', endpoint_id: endpoint.id }).set(bearer(A.admin)),
      200,
    );
    expect(list.items.map((i: any) => i.id)).toEqual([test.delivery_id]);
    const summary = expectSuccess(await h.http.get('/api/v1/system/notifications/outbox/dead-letter-summary').set(bearer(A.admin)), 200);
    expect(summary.total_dead).toBeGreaterThanOrEqual(1);
    expect(summary.reason_groups.find((r: any) => r.reason === 'retries_exhausted')).toMatchObject({ last_error: 'HTTP 500' });
    expect(summary.age_buckets.lt_1h).toBe(summary.total_dead);
    expect(expectSuccess(await h.http.get('/api/v1/system/notifications/outbox/dead-letter-summary').set(bearer(B.admin)), 200).total_dead).toBe(0);
    expectError(await h.http.post(`/api/v1/system/notifications/outbox/${test.delivery_id}/retry`).set(bearer(B.admin)), 404, 'NOT_FOUND');

    receiver.behave(() => ({ status: 200 }));
    const retried = expectSuccess(await h.http.post(`/api/v1/system/notifications/outbox/${test.delivery_id}/retry`).set(bearer(A.admin)), 200);
    expect(retried).toMatchObject({ status: 'pending', attempts: 0, dead_reason: null });
    await until(
      'redelivery',
      async () => (await db.query(`SELECT status FROM notification_outbox WHERE id = $1`, [test.delivery_id]))[0].status === 'delivered',
    );
    expectError(
      await h.http.post(`/api/v1/system/notifications/outbox/${test.delivery_id}/retry`).set(bearer(A.admin)),
      409,
      'NOTIFICATION_OUTBOX_NOT_RETRYABLE',
    );
    await db.query(`UPDATE notification_outbox SET status = 'sending', delivered_at = NULL WHERE id = $1`, [test.delivery_id]);
    expectError(
      await h.http.post(`/api/v1/system/notifications/outbox/${test.delivery_id}/retry`).set(bearer(A.admin)),
      409,
      'NOTIFICATION_OUTBOX_IN_PROGRESS',
    );
    await db.query(`UPDATE notification_outbox SET status = 'delivered', delivered_at = now() WHERE id = $1`, [test.delivery_id]);
  });

  it('secret rotation: both signatures for the grace period, each secret verifies', async () => {
    const { endpoint, secret: oldSecret } = await createEndpoint(A, { url: path('rotate') });
    receiver.behave(() => ({ status: 200 }));
    const rotated = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`).set(bearer(A.admin)), 200);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(oldSecret);
    expect(new Date(rotated.endpoint.previous_secret_expires_at).getTime() - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    expect(test.outcome).toBe('delivered');
    const hook = receiver.received.find((r) => r.headers['webhook-id'] === test.delivery_id)!;
    expect(headersOf(hook)['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [rotated.secret, oldSecret]) expect(() => new Webhook(s).verify(hook.body, headersOf(hook))).not.toThrow();
    // once the grace period is over only the new secret signs
    await db.query(`UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [endpoint.id]);
    const later = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    const hook2 = receiver.received.find((r) => r.headers['webhook-id'] === later.delivery_id)!;
    expect(headersOf(hook2)['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => new Webhook(oldSecret).verify(hook2.body, headersOf(hook2))).toThrow();
    expect(() => new Webhook(rotated.secret).verify(hook2.body, headersOf(hook2))).not.toThrow();
  });

  it('the SSRF guard applies again at delivery time', async () => {
    const { endpoint } = await createEndpoint(A, { url: path('ssrf') });
    // The URL was allowed when saved; it now points at a refused address (as a DNS change would make it).
    await db.query(`UPDATE webhook_endpoints SET url = 'http://10.0.0.7/hook' WHERE id = $1`, [endpoint.id]);
    const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    expect(test).toMatchObject({ outcome: 'dead', status_code: null });
    expect(test.error).toMatch(/blocked_address/);
    const row = expectSuccess(await h.http.get(`/api/v1/system/notifications/outbox/${test.delivery_id}`).set(bearer(A.admin)), 200);
    expect(row).toMatchObject({ status: 'dead', dead_reason: 'blocked_address' });
  });

  it('drain makes pending deliveries due now; the outbox list is org-scoped', async () => {
    const { endpoint } = await createEndpoint(A, { url: path('drain') });
    let calls = 0;
    receiver.behave((hook) => (hook.body.includes(endpoint.id) && ++calls === 1 ? { status: 503, headers: { 'Retry-After': '60' } } : { status: 200 }));
    const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
    expect(test.outcome).toBe('retrying'); // Retry-After 60 s, capped to 1.5 s
    const drained = expectSuccess(await h.http.post('/api/v1/system/notifications/outbox/drain').set(bearer(A.admin)).send({ limit: 50 }), 200);
    expect(drained).toMatchObject({ org_id: A.org_id, limit: 50 });
    expect(drained.selected).toBeGreaterThanOrEqual(1);
    expect(drained.promoted + drained.enqueued).toBeGreaterThanOrEqual(1);
    await until(
      'delivery',
      async () => (await db.query(`SELECT status FROM notification_outbox WHERE id = $1`, [test.delivery_id]))[0].status === 'delivered',
      1200,
    );
    expectValidation(await h.http.post('/api/v1/system/notifications/outbox/drain').set(bearer(A.admin)).send({ limit: 0 }), ['limit']);
    const mine = expectSuccess(await h.http.get('/api/v1/system/notifications/outbox').query({ limit: 200 }).set(bearer(A.admin)), 200);
    expect(mine.items.map((i: any) => i.id)).toContain(test.delivery_id);
    expect(mine.items.every((i: any) => i.org_id === A.org_id)).toBe(true);
    expect(expectSuccess(await h.http.get('/api/v1/system/notifications/outbox').set(bearer(B.admin)), 200).total).toBe(0);
    expectError(await h.http.get(`/api/v1/system/notifications/outbox/${test.delivery_id}`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expectError(await h.http.get('/api/v1/system/notifications/outbox').set(bearer(A.member)), 403, 'FORBIDDEN');
  });
});

const WORKER_MAIN = join(__dirname, '..', 'dist', 'apps', 'worker', 'src', 'main.js');

/** Deliveries survive a receiver that is down for a while and a worker killed mid-delivery. */
describe('webhook delivery resilience (real worker processes)', () => {
  const RESILIENCE_ENV = {
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE_MS: '300,600,1200,2400,4800',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_SWEEP_INTERVAL_MS: '500',
    QUEUE_MAINTENANCE_INTERVAL_MS: '0',
  };
  let h: ApiHarness;
  let db: DataSource;
  let A: OrgKeys;
  let receiver: WebhookReceiver;
  const workers = new Set<ChildProcess>();

  function spawnWorker(): ChildProcess {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, ...RESILIENCE_ENV, WORKER_PORT: '0', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.add(child);
    child.on('exit', () => workers.delete(child));
    return child;
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await startApi(RESILIENCE_ENV);
    db = h.app.get(DataSource);
    A = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await h.close();
    await receiver.close();
  });

  async function statusesOf(ids: string[]): Promise<string[]> {
    return (await db.query(`SELECT status FROM notification_outbox WHERE id = ANY($1)`, [ids])).map((r: { status: string }) => r.status);
  }

  /** Failed attempts logged per delivery. */
  async function attemptsOf(ids: string[]): Promise<number[]> {
    const rows = await db.query(
      `SELECT count(a.id)::int AS n FROM unnest($1::uuid[]) d(id) LEFT JOIN webhook_delivery_attempts a ON a.outbox_id = d.id AND a.outcome = 'failed' GROUP BY d.id`,
      [ids],
    );
    return rows.map((r: { n: number }) => r.n);
  }

  it('a receiver down for a while: everything is delivered once it is back, under the same delivery id', async () => {
    const worker = spawnWorker();
    const { endpoint, secret } = expectSuccess(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(A.admin))
        .send({ url: `${receiver.url}/down` }),
      201,
    );
    await receiver.stop();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const test = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpoint.id}/test`).set(bearer(A.admin)), 200);
      expect(test).toMatchObject({ outcome: 'retrying', status_code: null });
      ids.push(test.delivery_id);
    }
    // Down for a while: each delivery has failed its first retries too before the receiver is back.
    await until('three failed attempts of each delivery', async () => (await attemptsOf(ids)).every((n) => n >= 3), 20_000);
    await receiver.start();
    await until('every delivery', async () => (await statusesOf(ids)).every((s) => s === 'delivered'), 20_000);
    for (const id of ids) {
      // Sent once more once the receiver is back, under the same delivery id, signed.
      const copies = receiver.received.filter((r) => r.headers['webhook-id'] === id);
      expect(copies).toHaveLength(1);
      expect(new Webhook(secret).verify(copies[0].body, headersOf(copies[0]))).toMatchObject({ delivery_id: id });
    }
    worker.kill('SIGKILL');
  });

  it('a worker killed mid-delivery: another worker delivers it, nothing is lost', async () => {
    const { endpoint } = expectSuccess(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(A.admin))
        .send({ url: `${receiver.url}/kill` }),
      201,
    );
    let held = 0;
    // The first attempt hangs in the receiver until the worker holding it is dead.
    receiver.behave((hook) => (hook.body.includes('kill test') && ++held === 1 ? { status: 200, delay_ms: 5_000 } : { status: 200 }));
    const first = spawnWorker();
    // Recorded in the outbox and enqueued, as a business change would; the worker picks it up.
    const [ref] = await h.app.get(DataSource).transaction((m) =>
      m.query(
        `INSERT INTO notification_outbox (id, event_id, org_id, endpoint_id, target_url, event_type, data)
         VALUES (gen_random_uuid(), gen_random_uuid(), $1, $2, $3, 'webhook.test', '{"message":"kill test"}') RETURNING id, org_id, round, attempts`,
        [A.org_id, endpoint.id, `${receiver.url}/kill`],
      ),
    );
    const { NotificationOutbox } = await import('@greenlight/notifications');
    await h.app.get(NotificationOutbox).dispatch([ref]);
    await until('the first attempt to arrive', async () => receiver.received.some((r) => r.headers['webhook-id'] === ref.id), 20_000);
    first.kill('SIGKILL');
    expect((await statusesOf([ref.id]))[0]).toBe('sending');
    spawnWorker();
    await until('the delivery', async () => (await statusesOf([ref.id]))[0] === 'delivered', 30_000);
    const copies = receiver.received.filter((r) => r.headers['webhook-id'] === ref.id);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(copies.map((c) => c.body)).size).toBe(1);
  });
});

/** The seed's env endpoint (NOTIFY_WEBHOOK_URL / _EVENTS / _SECRET) still works, as a platform-wide endpoint. */
describe('the platform webhook endpoint from the environment', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let receiver: WebhookReceiver;
  let agent: TestAgent;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    agent = await startTestAgent((input) => ({ body: { output: `answer ${/case (\d+)/.exec(input)?.[1]}` } }));
    const env = {
      ...ENV,
      NOTIFY_WEBHOOK_URL: `${receiver.url}/platform`,
      NOTIFY_WEBHOOK_EVENTS: 'eval_run.completed',
      NOTIFY_WEBHOOK_SECRET: 'a seed-style plain secret',
    };
    h = await startApi(env, { worker: true });
    g = await globalAdmin(h.config);
    A = await orgWithKeys(h, g.api_key);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
    await agent.close();
  });

  it('receives the events it names from every org, signed with the env secret; org admins do not see its deliveries', async () => {
    const completed = await newRunOfCases(h, A, agent.url, 3);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${completed}/start`).set(bearer(A.member)), 202);
    await waitForRun(h, A.viewer, completed, isTerminalRun);
    const hook = await until('the platform webhook', async () => receiver.received.find((r) => r.body.includes(completed)));
    expect(hook.headers['x-greenlight-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ body: hook.body, headers: headersOf(hook), secret: 'a seed-style plain secret' })).toMatchObject({
      ok: true,
      scheme: 'standard',
    });
    const seedOnly = {
      'x-greenlight-timestamp': headersOf(hook)['x-greenlight-timestamp'],
      'x-greenlight-signature': headersOf(hook)['x-greenlight-signature'],
    };
    expect(verifyWebhookSignature({ body: hook.body, headers: seedOnly, secret: 'a seed-style plain secret' })).toMatchObject({
      ok: true,
      scheme: 'greenlight',
    });
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'eval_run.completed', org_id: A.org_id, delivery_id: hook.headers['x-greenlight-delivery-id'] });
    const platformRows = expectSuccess(await h.http.get('/api/v1/system/notifications/outbox').query({ org_id: A.org_id }).set(bearer(g.api_key)), 200);
    expect(platformRows.items).toEqual([expect.objectContaining({ endpoint_id: null, target_url: `${receiver.url}/platform`, status: 'delivered' })]);
    expect(expectSuccess(await h.http.get('/api/v1/system/notifications/outbox').set(bearer(A.admin)), 200).total).toBe(0);
    expectError(await h.http.get(`/api/v1/system/notifications/outbox/${platformRows.items[0].id}`).set(bearer(A.admin)), 404, 'NOT_FOUND');
  });
});
