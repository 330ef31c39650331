import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { Clock } from '@greenlight/platform';
import { JobProducer } from '@greenlight/queue';
import { createWorkerApp } from '../apps/worker/src/create-worker-app';
import { awayFromMinuteEdge, createAgent, expectError, expectSuccess, expectValidation, freshRequestId, waitForAudit, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const idem = () => ({ 'Idempotency-Key': randomUUID() });
const BASE = '/api/v1/system/queue';

/** A pending run of `keys`' org, created through the API (its agent has no endpoint: it never executes here). */
async function pendingRun(h: ApiHarness, keys: OrgKeys): Promise<string> {
  const agent = await createAgent(h, keys.member);
  const set = expectSuccess(
    await h.http
      .post('/api/v1/golden-sets/upload')
      .set(bearer(keys.member))
      .send({ agent_id: agent.id, name: uniqueName('S'), cases: [{ input: 'q', expected_answer: 'a' }] }),
    201,
  ).golden_set.id;
  return expectSuccess(await h.http.post('/api/v1/eval/runs').set(bearer(keys.member)).send({ agent_id: agent.id, golden_set_id: set }), 202).id;
}

/** The maintenance events caused by one request (the ledger, not the HTTP audit log, holds them). */
async function eventsOf(h: ApiHarness, adminKey: string, requestId: string): Promise<any[]> {
  return expectSuccess(await h.http.get(`${BASE}/maintenance/events`).query({ request_id: requestId }).set(bearer(adminKey)), 200).items;
}

/** The HTTP audit log has the request itself, and only it (maintenance writes no rows of its own there). */
async function expectOnlyTheRequestAudited(h: ApiHarness, adminKey: string, requestId: string, path: string): Promise<void> {
  const audit = await waitForAudit(h, adminKey, requestId);
  expect(audit).toEqual([expect.objectContaining({ method: 'POST', path, status_code: 200, error_code: null })]);
}

/** Makes a run look like a synchronous execute whose process died an hour ago. */
async function makeStale(db: DataSource, runId: string): Promise<void> {
  await db.query(`UPDATE eval_runs SET status = 'running', started_at = now() - interval '1 hour', queue_epoch = queue_epoch + 1 WHERE id = $1`, [runId]);
  await db.query(`UPDATE eval_runs SET updated_at = now() - interval '1 hour' WHERE id = $1`, [runId]);
}

describe('queue maintenance (API)', () => {
  let h: ApiHarness;
  let db: DataSource;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;

  beforeAll(async () => {
    h = await startApi({ QUEUE_STALE_RUN_SECONDS: '1200', QUEUE_RETENTION_DAYS: '5' });
    db = h.app.get(DataSource);
    g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(() => h.close());

  it('policy: platform defaults until the org saves one; partial updates keep the rest; bounds are checked', async () => {
    const def = expectSuccess(await h.http.get(`${BASE}/maintenance-policy`).set(bearer(A.admin)), 200);
    expect(def).toMatchObject({
      org_id: A.org_id,
      source: 'default',
      stale_run_seconds: 1200,
      retention_days: 5,
      max_runtime_seconds: h.config.get('EVAL_RUN_MAX_RUNTIME_SECONDS'),
      reap_limit: 100,
      prune_limit: 1000,
      schedule_enabled: true,
      schedule_alert_enabled: false,
      updated_at: null,
    });
    expectValidation(await h.http.get(`${BASE}/maintenance-policy`).set(bearer(g.api_key)), ['org_id']);
    expectError(await h.http.get(`${BASE}/maintenance-policy`).query({ org_id: B.org_id }).set(bearer(A.admin)), 404, 'NOT_FOUND');
    expectError(
      await h.http.get(`${BASE}/maintenance-policy`).query({ org_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }).set(bearer(g.api_key)),
      404,
      'NOT_FOUND',
    );
    expectError(await h.http.get(`${BASE}/maintenance-policy`).set(bearer(A.member)), 403, 'FORBIDDEN');

    const saved = expectSuccess(
      await h.http.post(`${BASE}/maintenance-policy`).set(bearer(A.admin)).set(idem()).send({ retention_days: 3, reap_limit: 7 }),
      200,
    );
    expect(saved).toMatchObject({ source: 'org', retention_days: 3, reap_limit: 7, stale_run_seconds: 1200, prune_limit: 1000 });
    const again = expectSuccess(
      await h.http.post(`${BASE}/maintenance-policy`).set(bearer(g.api_key)).set(idem()).send({ org_id: A.org_id, schedule_alert_cooldown_minutes: 15 }),
      200,
    );
    expect(again).toMatchObject({ retention_days: 3, reap_limit: 7, schedule_alert_cooldown_minutes: 15 });
    for (const [field, value] of [
      ['retention_days', -1],
      ['stale_run_seconds', 5],
      ['reap_limit', 1001],
      ['schedule_alert_dedupe_hit_rate_threshold', 1.5],
      ['schedule_alert_min_execution_success_rate', 'high'],
      ['schedule_enabled', 'yes'],
    ] as const) {
      expectValidation(
        await h.http
          .post(`${BASE}/maintenance-policy`)
          .set(bearer(A.admin))
          .set(idem())
          .send({ [field]: value }),
        [field],
      );
    }
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance-policy`).set(bearer(B.admin)), 200).source).toBe('default');
  });

  it('maintenance/run: dry run by default, recorded in the ledger; org-scoped; Idempotency-Key required', async () => {
    const stale = await pendingRun(h, B);
    await makeStale(db, stale);
    expectValidation(await h.http.post(`${BASE}/maintenance/run`).set(bearer(B.admin)).send({}), ['Idempotency-Key']);
    expectValidation(await h.http.post(`${BASE}/maintenance/run`).set(bearer(g.api_key)).set(idem()).send({}), ['org_id']);
    expectValidation(await h.http.post(`${BASE}/maintenance/run`).set(bearer(B.admin)).set(idem()).send({ prune_limit: 0 }), ['prune_limit']);
    expectError(await h.http.post(`${BASE}/maintenance/run`).set(bearer(B.admin)).set(idem()).send({ org_id: A.org_id }), 404, 'NOT_FOUND');

    const dry = expectSuccess(await h.http.post(`${BASE}/maintenance/run`).set(bearer(B.admin)).set(idem()).send({}), 200);
    expect(dry.run).toMatchObject({ org_id: B.org_id, status: 'completed', dry_run: true, trigger: 'api', schedule_name: null, error_message: null });
    expect(dry.run.duration_ms).toBeGreaterThanOrEqual(0);
    expect(dry.reap.items).toEqual([expect.objectContaining({ run_id: stale, reason: 'stale', action: 'would_fail' })]);
    expect(dry.prune).toMatchObject({ dry_run: true, retention_days: 5, pruned: 0 });
    expect((await db.query(`SELECT status FROM eval_runs WHERE id = $1`, [stale]))[0].status).toBe('running');

    const real = expectSuccess(await h.http.post(`${BASE}/maintenance/run`).set(bearer(B.admin)).set(idem()).send({ dry_run: false, reap_limit: 5 }), 200);
    expect(real.run).toMatchObject({ status: 'completed', dry_run: false, policy: expect.objectContaining({ reap_limit: 5 }) });
    expect(real.reap).toMatchObject({ reaped: 1, limit: 5 });
    expect((await db.query(`SELECT status, failure_code FROM eval_runs WHERE id = $1`, [stale]))[0]).toEqual({
      status: 'failed',
      failure_code: 'EVAL_RUN_STALE',
    });

    const ledger = expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).set(bearer(B.admin)), 200);
    expect(ledger.items.map((r: any) => r.id)).toEqual([real.run.id, dry.run.id]);
    expect(ledger.items[0].reap_summary).toMatchObject({ reaped: 1 });
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).query({ status: 'failed' }).set(bearer(B.admin)), 200).total).toBe(0);
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).set(bearer(A.admin)), 200).items.some((r: any) => r.org_id === B.org_id)).toBe(false);
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/runs/${real.run.id}`).set(bearer(B.admin)), 200)).toMatchObject({
      id: real.run.id,
      dry_run: false,
    });
    expectError(await h.http.get(`${BASE}/maintenance/runs/${real.run.id}`).set(bearer(A.admin)), 404, 'NOT_FOUND');
    expectSuccess(await h.http.get(`${BASE}/maintenance/runs/${real.run.id}`).set(bearer(g.api_key)), 200);
  });

  it('one active run per org: QUEUE_MAINTENANCE_ALREADY_RUNNING until the stale run is reaped (a run_reaped event of the run)', async () => {
    const [left] = await db.query(
      `INSERT INTO queue_maintenance_runs (org_id, status, dry_run, trigger, policy, started_at) VALUES ($1, 'running', true, 'api', '{}', now() - interval '2 hours') RETURNING id`,
      [A.org_id],
    );
    const busy = expectError(await h.http.post(`${BASE}/maintenance/run`).set(bearer(A.admin)).set(idem()).send({}), 409, 'QUEUE_MAINTENANCE_ALREADY_RUNNING');
    expect(busy.details).toMatchObject({ org_id: A.org_id, running_run_id: left.id });
    // another org is not blocked
    expectSuccess(await h.http.post(`${BASE}/maintenance/run`).set(bearer(B.admin)).set(idem()).send({}), 200);

    expectValidation(await h.http.post(`${BASE}/maintenance/reap-stale-runs`).set(bearer(A.admin)).send({}), ['Idempotency-Key']);
    const dry = expectSuccess(await h.http.post(`${BASE}/maintenance/reap-stale-runs`).set(bearer(A.admin)).set(idem()).send({ dry_run: true }), 200);
    expect(dry).toMatchObject({
      org_id: A.org_id,
      dry_run: true,
      selected: 1,
      reaped: 0,
      max_runtime_seconds: 900,
      items: [expect.objectContaining({ id: left.id })],
    });
    // a threshold longer than its age leaves it alone
    expect(
      expectSuccess(await h.http.post(`${BASE}/maintenance/reap-stale-runs`).set(bearer(A.admin)).set(idem()).send({ max_runtime_seconds: 10_000 }), 200)
        .selected,
    ).toBe(0);
    const requestId = freshRequestId('reap-maint');
    const real = expectSuccess(
      await h.http.post(`${BASE}/maintenance/reap-stale-runs`).set(bearer(A.admin)).set(idem()).set('X-Request-Id', requestId).send({}),
      200,
    );
    expect(real).toMatchObject({ selected: 1, reaped: 1 });
    const run = expectSuccess(await h.http.get(`${BASE}/maintenance/runs/${left.id}`).set(bearer(A.admin)), 200);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run.error_message).toMatch(/reaped/);
    expect(run.duration_ms).toBeGreaterThan(7_000_000);
    const [reapedEvent] = await eventsOf(h, A.admin, requestId);
    expect(reapedEvent).toMatchObject({
      org_id: A.org_id,
      run_id: left.id,
      action: 'run_reaped',
      outcome: 'run_failed',
      source: 'api',
      request_id: requestId,
      details: { max_runtime_seconds: 900 },
    });
    expect(reapedEvent.api_key_id).toMatch(/^[0-9a-f-]{36}$/);
    const runEvents = expectSuccess(await h.http.get(`${BASE}/maintenance/runs/${left.id}/events`).set(bearer(A.admin)), 200);
    expect(runEvents).toMatchObject({ total: 1, limit: expect.any(Number), offset: 0, items: [{ id: reapedEvent.id }] });
    await expectOnlyTheRequestAudited(h, A.admin, requestId, `${BASE}/maintenance/reap-stale-runs`);
    // The events of another org's run are as unknown as the run.
    expectError(await h.http.get(`${BASE}/maintenance/runs/${left.id}/events`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/events`).query({ request_id: requestId }).set(bearer(B.admin)), 200).total).toBe(0);
    expectError(await h.http.get(`${BASE}/maintenance/events`).query({ org_id: A.org_id }).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expect(
      expectSuccess(await h.http.get(`${BASE}/maintenance/events`).query({ org_id: A.org_id, request_id: requestId }).set(bearer(g.api_key)), 200).total,
    ).toBe(1);
    expectError(await h.http.get(`${BASE}/maintenance/events`).set(bearer(A.member)), 403, 'FORBIDDEN');
    expectValidation(await h.http.get(`${BASE}/maintenance/events`).query({ action: 'reaped' }).set(bearer(A.admin)), ['action']);
    expectSuccess(await h.http.post(`${BASE}/maintenance/run`).set(bearer(A.admin)).set(idem()).send({}), 200);
  });

  it('metrics: counts, failure rate and duration percentiles in the window', async () => {
    const m = expectSuccess(await h.http.get(`${BASE}/maintenance/metrics`).set(bearer(A.admin)), 200);
    expect(m).toMatchObject({
      org_id: A.org_id,
      window_days: 30,
      total: 2,
      running: 0,
      completed: 1,
      failed: 1,
      dry_run_count: 2,
      failure_rate: 0.5,
      last_run_status: 'completed',
    });
    // one completed run: every duration statistic is its duration
    const [done] = expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).query({ status: 'completed' }).set(bearer(A.admin)), 200).items;
    expect(m).toMatchObject({ avg_duration_ms: done.duration_ms, p50_duration_ms: done.duration_ms, p95_duration_ms: done.duration_ms });
    const b = expectSuccess(await h.http.get(`${BASE}/maintenance/metrics`).query({ org_id: B.org_id, window_days: 7 }).set(bearer(g.api_key)), 200);
    expect(b).toMatchObject({ total: 3, completed: 3, failed: 0, failure_rate: 0, dry_run_count: 2 });
    const all = expectSuccess(await h.http.get(`${BASE}/maintenance/metrics`).set(bearer(g.api_key)), 200);
    expect(all.org_id).toBeNull();
    expect(all.total).toBeGreaterThanOrEqual(5);
    expectValidation(await h.http.get(`${BASE}/maintenance/metrics`).query({ window_days: 0 }).set(bearer(A.admin)), ['window_days']);
    expectError(await h.http.get(`${BASE}/maintenance/metrics`).query({ org_id: B.org_id }).set(bearer(A.admin)), 404, 'NOT_FOUND');
  });

  it('schedule trigger dedupes within its window; the summary and the events say what happened', async () => {
    await awayFromMinuteEdge(5);
    const body = { schedule_name: 'nightly', window_minutes: 60 };
    const first = expectSuccess(await h.http.post(`${BASE}/maintenance/schedule-trigger`).set(bearer(A.admin)).set(idem()).send(body), 200);
    expect(first).toMatchObject({
      executed: true,
      deduped: false,
      schedule_name: 'nightly',
      window_minutes: 60,
      run: { trigger: 'schedule', schedule_name: 'nightly', dry_run: true },
    });
    expect(new Date(first.window_started_at).getTime() % 3_600_000).toBe(0);
    const requestId = freshRequestId('dedupe');
    const second = expectSuccess(
      await h.http.post(`${BASE}/maintenance/schedule-trigger`).set(bearer(A.admin)).set(idem()).set('X-Request-Id', requestId).send(body),
      200,
    );
    expect(second).toMatchObject({ executed: false, deduped: true, dedupe_key: first.dedupe_key, run: { id: first.run.id }, reap: null, prune: null });
    const forced = expectSuccess(
      await h.http
        .post(`${BASE}/maintenance/schedule-trigger`)
        .set(bearer(A.admin))
        .set(idem())
        .send({ ...body, force: true }),
      200,
    );
    expect(forced).toMatchObject({ executed: true, deduped: false });
    expect(forced.run.id).not.toBe(first.run.id);
    const live = expectSuccess(
      await h.http
        .post(`${BASE}/maintenance/schedule-trigger`)
        .set(bearer(A.admin))
        .set(idem())
        .send({ ...body, dry_run: false }),
      200,
    );
    expect(live).toMatchObject({ executed: true, run: { dry_run: false } });
    expect(live.dedupe_key).not.toBe(first.dedupe_key);
    const other = expectSuccess(
      await h.http.post(`${BASE}/maintenance/schedule-trigger`).set(bearer(A.admin)).set(idem()).send({ schedule_name: 'hourly' }),
      200,
    );
    expect(other.executed).toBe(true);
    expectValidation(await h.http.post(`${BASE}/maintenance/schedule-trigger`).set(bearer(A.admin)).set(idem()).send({ schedule_name: 'bad name!' }), [
      'schedule_name',
    ]);
    expectValidation(await h.http.post(`${BASE}/maintenance/schedule-trigger`).set(bearer(A.admin)).set(idem()).send({}), ['schedule_name']);

    const summary = expectSuccess(await h.http.get(`${BASE}/maintenance/schedule-summary`).query({ schedule_name: 'nightly' }).set(bearer(A.admin)), 200);
    expect(summary).toMatchObject({
      org_id: A.org_id,
      schedule_name: 'nightly',
      trigger_count: 4,
      executed_count: 3,
      deduped_count: 1,
      dedupe_hit_rate: 0.25,
      successful_executions: 3,
      failed_executions: 0,
      execution_success_rate: 1,
      last_execution_status: 'completed',
    });
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/schedule-summary`).set(bearer(A.admin)), 200).trigger_count).toBe(5);
    expectValidation(await h.http.get(`${BASE}/maintenance/schedule-summary`).set(bearer(g.api_key)), ['org_id']);
    expect(await eventsOf(h, A.admin, requestId)).toEqual([
      expect.objectContaining({
        run_id: first.run.id,
        action: 'schedule_triggered',
        outcome: 'deduped',
        schedule_name: 'nightly',
        details: { dedupe_key: first.dedupe_key, window_started_at: first.window_started_at, window_minutes: 60 },
      }),
    ]);
    await expectOnlyTheRequestAudited(h, A.admin, requestId, `${BASE}/maintenance/schedule-trigger`);
    const executed = expectSuccess(
      await h.http.get(`${BASE}/maintenance/events`).query({ action: 'schedule_triggered', outcome: 'executed', limit: 200 }).set(bearer(A.admin)),
      200,
    );
    expect(executed.total).toBe(4);
    expect(executed.items.map((e: any) => e.run_id)).toEqual([other.run.id, live.run.id, forced.run.id, first.run.id]);
    const nightly = expectSuccess(await h.http.get(`${BASE}/maintenance/events`).query({ schedule_name: 'nightly', limit: 200 }).set(bearer(A.admin)), 200);
    expect(nightly.total).toBe(4);
    const paged = expectSuccess(
      await h.http.get(`${BASE}/maintenance/events`).query({ schedule_name: 'nightly', limit: 2, offset: 2 }).set(bearer(A.admin)),
      200,
    );
    expect(paged).toMatchObject({ total: 4, limit: 2, offset: 2 });
    expect(paged.items.map((e: any) => e.id)).toEqual(nightly.items.slice(2).map((e: any) => e.id));
  });

  it('anomaly notify: skipped, dry run, sent, suppressed in the cooldown, forced; delivery status counts each', async () => {
    const notify = (body: Record<string, unknown>) =>
      h.http
        .post(`${BASE}/maintenance/schedule-summary/notify`)
        .set(bearer(A.admin))
        .set(idem())
        .send({ schedule_name: 'nightly', ...body });
    expectValidation(await h.http.post(`${BASE}/maintenance/schedule-summary/notify`).set(bearer(A.admin)).send({}), ['Idempotency-Key']);
    // the dedupe hit rate is 0.25: under the default threshold (0.5), and alerts are off by default
    const calm = expectSuccess(await notify({}), 200);
    expect(calm).toMatchObject({ outcome: 'skipped', reason: 'no anomaly', anomalies: [] });
    expectSuccess(
      await h.http.post(`${BASE}/maintenance-policy`).set(bearer(A.admin)).set(idem()).send({ schedule_alert_dedupe_hit_rate_threshold: 0.2 }),
      200,
    );
    const disabled = expectSuccess(await notify({}), 200);
    expect(disabled).toMatchObject({ outcome: 'skipped', anomalies: [{ kind: 'dedupe_hit_rate_high', value: 0.25, threshold: 0.2 }] });
    expect(disabled.reason).toMatch(/disabled/);
    expectSuccess(
      await h.http
        .post(`${BASE}/maintenance-policy`)
        .set(bearer(A.admin))
        .set(idem())
        .send({ schedule_alert_enabled: true, schedule_alert_cooldown_minutes: 30 }),
      200,
    );
    expect(expectSuccess(await notify({ dry_run: true }), 200)).toMatchObject({ outcome: 'dry_run' });
    const sent = expectSuccess(await notify({}), 200);
    expect(sent).toMatchObject({ outcome: 'sent', channel: 'activity_feed', cooldown_minutes: 30, summary: { dedupe_hit_rate: 0.25 } });
    const again = expectSuccess(await notify({}), 200);
    expect(again).toMatchObject({ outcome: 'suppressed', fingerprint: sent.fingerprint });
    expect(expectSuccess(await notify({ force_notify: true }), 200)).toMatchObject({ outcome: 'sent' });
    // still inside the cooldown of the forced alert, whoever asks
    const both = await Promise.all([notify({}), notify({})]);
    expect(both.map((r) => expectSuccess(r, 200).outcome).sort()).toEqual(['suppressed', 'suppressed']);

    const delivery = expectSuccess(
      await h.http.get(`${BASE}/maintenance/schedule-alert-delivery`).query({ schedule_name: 'nightly' }).set(bearer(A.admin)),
      200,
    );
    expect(delivery).toMatchObject({ org_id: A.org_id, total: 8, sent: 2, failed: 0, suppressed: 3, skipped: 2, dry_run: 1, last_failed_at: null });
    expect(delivery.last_notified_at).toBe(delivery.last_sent_at);
    const feed = await db.query(`SELECT count(*)::int AS n FROM activity_events WHERE org_id = $1 AND event_type = 'queue_schedule_anomaly'`, [A.org_id]);
    expect(feed[0].n).toBe(2);
    const notified = expectSuccess(await h.http.get(`${BASE}/maintenance/events`).query({ action: 'anomaly_notified', limit: 200 }).set(bearer(A.admin)), 200);
    const byOutcome: Record<string, number> = {};
    for (const e of notified.items) byOutcome[e.outcome] = (byOutcome[e.outcome] ?? 0) + 1;
    expect(byOutcome).toEqual({ dry_run: 1, sent: 2, skipped: 2, suppressed: 3 });
    expect(notified.items.find((e: any) => e.outcome === 'suppressed')).toMatchObject({
      run_id: null,
      schedule_name: 'nightly',
      details: { fingerprint: sent.fingerprint },
    });
    // Nothing in the HTTP audit log pretends to be a request any more.
    expect(
      await db.query(`SELECT count(*)::int AS n FROM api_audit_logs WHERE org_id = $1 AND latency_ms = 0 AND error_code LIKE 'SCHEDULE_%'`, [A.org_id]),
    ).toEqual([{ n: 0 }]);

    // Once the cooldown has passed, the same anomaly is alerted again.
    const clock = h.app.get(Clock);
    const now = clock.now();
    const later = jest.spyOn(clock, 'now').mockReturnValue(now + 29 * 60_000);
    try {
      expect(expectSuccess(await notify({}), 200)).toMatchObject({ outcome: 'suppressed' });
      later.mockReturnValue(now + 30 * 60_000 + 1000);
      expect(expectSuccess(await notify({}), 200)).toMatchObject({ outcome: 'sent', fingerprint: sent.fingerprint });
    } finally {
      later.mockRestore();
    }
    expectError(await h.http.get(`${BASE}/maintenance/schedule-alert-delivery`).query({ org_id: A.org_id }).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/schedule-alert-delivery`).set(bearer(B.admin)), 200).total).toBe(0);
  });
});

describe('orphaned maintenance runs (API)', () => {
  let h: ApiHarness;
  let db: DataSource;
  let C: OrgKeys;

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    C = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(() => h.close());

  it('a running run whose lease expired is failed as orphaned by the next run (ledger and events say so); a live lease still answers 409', async () => {
    const [live] = await db.query(
      `INSERT INTO queue_maintenance_runs (org_id, status, dry_run, trigger, policy, lease_expires_at) VALUES ($1, 'running', true, 'api', '{}', now() + interval '1 minute') RETURNING id`,
      [C.org_id],
    );
    const busy = expectError(await h.http.post(`${BASE}/maintenance/run`).set(bearer(C.admin)).set(idem()).send({}), 409, 'QUEUE_MAINTENANCE_ALREADY_RUNNING');
    expect(busy.details).toMatchObject({ running_run_id: live.id, lease_expires_at: expect.any(String) });

    const [{ lease_expires_at: lease }] = await db.query(`SELECT lease_expires_at FROM queue_maintenance_runs WHERE id = $1`, [live.id]);
    const clock = h.app.get(Clock);
    const past = jest.spyOn(clock, 'now').mockReturnValue(lease.getTime() + 1000);
    const requestId = freshRequestId('orphan');
    let next: any;
    try {
      next = expectSuccess(await h.http.post(`${BASE}/maintenance/run`).set(bearer(C.admin)).set(idem()).set('X-Request-Id', requestId).send({}), 200);
    } finally {
      past.mockRestore();
    }
    expect(next.run).toMatchObject({ status: 'completed' });
    expect(new Date(next.run.lease_expires_at).getTime()).toBe(lease.getTime() + 1000 + h.config.get('QUEUE_MAINTENANCE_LEASE_MS'));
    const orphan = expectSuccess(await h.http.get(`${BASE}/maintenance/runs/${live.id}`).set(bearer(C.admin)), 200);
    expect(orphan).toMatchObject({ status: 'failed' });
    expect(orphan.error_message).toMatch(/^orphaned: its lease expired at /);
    expect(await eventsOf(h, C.admin, requestId)).toEqual([
      expect.objectContaining({ run_id: live.id, action: 'run_orphaned', outcome: 'run_failed', details: { lease_expired_at: lease.toISOString() } }),
    ]);
    await expectOnlyTheRequestAudited(h, C.admin, requestId, `${BASE}/maintenance/run`);
  });
});

describe('scheduled maintenance in the worker', () => {
  let h: ApiHarness;
  let db: DataSource;
  let workers: INestApplication[] = [];
  let o: OrgKeys;
  let skipped: OrgKeys;

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    [o, skipped] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await h.close();
  });

  it('two workers create one job scheduler; it reaps a dead run without anyone asking, once per interval, and skips orgs that opted out', async () => {
    const stale = await pendingRun(h, o);
    const alsoStale = await pendingRun(h, skipped);
    await makeStale(db, stale);
    await makeStale(db, alsoStale);
    expectSuccess(
      await h.http.post(`${BASE}/maintenance-policy`).set(bearer(skipped.admin)).set(idem()).send({ schedule_enabled: false, stale_run_seconds: 10 }),
      200,
    );
    // With a saved policy the org is swept every time, live runs or not (without one, only while it has live runs).
    expectSuccess(await h.http.post(`${BASE}/maintenance-policy`).set(bearer(o.admin)).set(idem()).send({ retention_days: 3 }), 200);
    const env = { ...process.env, QUEUE_MAINTENANCE_INTERVAL_MS: '1000' };
    workers = [await createWorkerApp(AppConfig.fromEnv(env)), await createWorkerApp(AppConfig.fromEnv(env))];
    for (const w of workers) await w.init();
    const schedulers = await h.app.get(JobProducer).queue(QueueName.System).getJobSchedulers();
    expect(schedulers.filter((s) => s.key === 'queue-maintenance')).toHaveLength(1);

    const run = await waitUntil(
      'the scheduled maintenance to reap the dead run',
      async () => (await db.query(`SELECT status, failure_code FROM eval_runs WHERE id = $1 AND status <> 'running'`, [stale]))[0],
      20_000,
    );
    expect(run).toEqual({ status: 'failed', failure_code: 'EVAL_RUN_STALE' });
    // A few more intervals: the window is the interval (1 s), not a clock minute.
    await waitUntil(
      'three scheduled runs',
      async () => {
        const s = expectSuccess(await h.http.get(`${BASE}/maintenance/schedule-summary`).query({ schedule_name: 'worker' }).set(bearer(o.admin)), 200);
        return s.executed_count >= 3 && s;
      },
      20_000,
    );
    for (const w of workers) await w.close();
    workers = [];
    const ledger = expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).query({ trigger: 'schedule' }).set(bearer(o.admin)), 200);
    // The workers are stopped: the ledger and the summary no longer move.
    const executed = expectSuccess(await h.http.get(`${BASE}/maintenance/schedule-summary`).query({ schedule_name: 'worker' }).set(bearer(o.admin)), 200);
    expect(ledger.items.length).toBe(executed.executed_count);
    for (const run of ledger.items) {
      expect(run).toMatchObject({ schedule_name: 'worker', dry_run: false, status: 'completed', requested_by_key_id: null });
      expect(new Date(run.window_started_at).getTime() % 1000).toBe(0);
    }
    // one run per window: no two share a window
    expect(new Set(ledger.items.map((r: any) => r.dedupe_key)).size).toBe(ledger.items.length);
    // the worker's triggers are events of the worker, one per run
    const triggered = expectSuccess(
      await h.http.get(`${BASE}/maintenance/events`).query({ action: 'schedule_triggered', limit: 200 }).set(bearer(o.admin)),
      200,
    );
    expect(
      triggered.items
        .filter((e: any) => e.outcome === 'executed')
        .map((e: any) => e.run_id)
        .sort(),
    ).toEqual(ledger.items.map((r: any) => r.id).sort());
    expect(triggered.items.every((e: any) => e.source === 'worker' && e.request_id === null && e.api_key_id === null)).toBe(true);
    // the org that disabled its schedule was left alone
    expect((await db.query(`SELECT status FROM eval_runs WHERE id = $1`, [alsoStale]))[0].status).toBe('running');
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).set(bearer(skipped.admin)), 200).total).toBe(0);
  });
});
