import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { JobProducer } from '@greenlight/queue';
import { createWorkerApp } from '../apps/worker/src/create-worker-app';
import { awayFromMinuteEdge, createAgent, expectError, expectSuccess, expectValidation, freshRequestId, sleep, waitForAudit } from './support/e2e-helpers';
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

  it('one active run per org: QUEUE_MAINTENANCE_ALREADY_RUNNING until the stale run is reaped (audited MAINTENANCE_RUN_REAPED)', async () => {
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
    const audit = await waitForAudit(h, A.admin, requestId, 2);
    expect(audit.map((a: any) => String(a.error_code)).sort()).toEqual(['MAINTENANCE_RUN_REAPED', 'null']);
    expect(audit.find((a: any) => a.error_code).path).toBe(`${BASE}/maintenance/runs/${left.id}`);
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
    expect(m.p50_duration_ms).toBeGreaterThanOrEqual(0);
    expect(m.p95_duration_ms).toBeGreaterThanOrEqual(m.p50_duration_ms);
    const b = expectSuccess(await h.http.get(`${BASE}/maintenance/metrics`).query({ org_id: B.org_id, window_days: 7 }).set(bearer(g.api_key)), 200);
    expect(b).toMatchObject({ total: 3, completed: 3, failed: 0, failure_rate: 0, dry_run_count: 2 });
    const all = expectSuccess(await h.http.get(`${BASE}/maintenance/metrics`).set(bearer(g.api_key)), 200);
    expect(all.org_id).toBeNull();
    expect(all.total).toBeGreaterThanOrEqual(5);
    expectValidation(await h.http.get(`${BASE}/maintenance/metrics`).query({ window_days: 0 }).set(bearer(A.admin)), ['window_days']);
    expectError(await h.http.get(`${BASE}/maintenance/metrics`).query({ org_id: B.org_id }).set(bearer(A.admin)), 404, 'NOT_FOUND');
  });

  it('schedule trigger dedupes within its window; the summary and the audit codes say what happened', async () => {
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
    const audit = await waitForAudit(h, A.admin, requestId, 2);
    const explicit = audit.find((a: any) => a.error_code);
    expect(explicit).toMatchObject({ error_code: 'SCHEDULE_TRIGGER_DEDUPED', path: `${BASE}/maintenance/schedule-trigger?schedule_name=nightly` });
    const executed = expectSuccess(
      await h.http.get('/api/v1/system/audit-logs').query({ error_code: 'SCHEDULE_TRIGGER_EXECUTED', limit: 200 }).set(bearer(A.admin)),
      200,
    );
    expect(executed.total).toBe(4);
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
    const codes = await db.query(
      `SELECT error_code, count(*)::int AS n FROM api_audit_logs WHERE org_id = $1 AND error_code LIKE 'SCHEDULE_ANOMALY_NOTIFY_%' GROUP BY error_code ORDER BY error_code`,
      [A.org_id],
    );
    expect(codes).toEqual([
      { error_code: 'SCHEDULE_ANOMALY_NOTIFY_DRY_RUN', n: 1 },
      { error_code: 'SCHEDULE_ANOMALY_NOTIFY_SENT', n: 2 },
      { error_code: 'SCHEDULE_ANOMALY_NOTIFY_SKIPPED', n: 2 },
      { error_code: 'SCHEDULE_ANOMALY_NOTIFY_SUPPRESSED', n: 3 },
    ]);
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

  it('a running run whose lease expired is failed as orphaned by the next run (ledger and audit say so); a live lease still answers 409', async () => {
    const [live] = await db.query(
      `INSERT INTO queue_maintenance_runs (org_id, status, dry_run, trigger, policy, lease_expires_at) VALUES ($1, 'running', true, 'api', '{}', now() + interval '1 minute') RETURNING id`,
      [C.org_id],
    );
    const busy = expectError(await h.http.post(`${BASE}/maintenance/run`).set(bearer(C.admin)).set(idem()).send({}), 409, 'QUEUE_MAINTENANCE_ALREADY_RUNNING');
    expect(busy.details).toMatchObject({ running_run_id: live.id, lease_expires_at: expect.any(String) });

    await db.query(`UPDATE queue_maintenance_runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [live.id]);
    const requestId = freshRequestId('orphan');
    const next = expectSuccess(await h.http.post(`${BASE}/maintenance/run`).set(bearer(C.admin)).set(idem()).set('X-Request-Id', requestId).send({}), 200);
    expect(next.run).toMatchObject({ status: 'completed', lease_expires_at: expect.any(String) });
    const orphan = expectSuccess(await h.http.get(`${BASE}/maintenance/runs/${live.id}`).set(bearer(C.admin)), 200);
    expect(orphan).toMatchObject({ status: 'failed' });
    expect(orphan.error_message).toMatch(/^orphaned: its lease expired at /);
    const audit = await waitForAudit(h, C.admin, requestId, 2);
    expect(audit.find((a: any) => a.error_code)).toMatchObject({ error_code: 'MAINTENANCE_RUN_ORPHANED', path: `${BASE}/maintenance/runs/${live.id}` });
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

    const deadline = Date.now() + 20_000;
    let run: { status: string; failure_code: string | null };
    do {
      await sleep(200);
      [run] = await db.query(`SELECT status, failure_code FROM eval_runs WHERE id = $1`, [stale]);
    } while (run.status === 'running' && Date.now() < deadline);
    expect(run).toEqual({ status: 'failed', failure_code: 'EVAL_RUN_STALE' });
    await sleep(3500); // a few more intervals: the window is the interval (1 s), not a clock minute
    const summary = expectSuccess(await h.http.get(`${BASE}/maintenance/schedule-summary`).query({ schedule_name: 'worker' }).set(bearer(o.admin)), 200);
    expect(summary.executed_count).toBeGreaterThanOrEqual(3);
    const ledger = expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).query({ trigger: 'schedule' }).set(bearer(o.admin)), 200);
    expect(ledger.items.length).toBe(summary.executed_count);
    for (const run of ledger.items) {
      expect(run).toMatchObject({ schedule_name: 'worker', dry_run: false, status: 'completed', requested_by_key_id: null });
      expect(new Date(run.window_started_at).getTime() % 1000).toBe(0);
    }
    // one run per window: no two share a window
    expect(new Set(ledger.items.map((r: any) => r.dedupe_key)).size).toBe(ledger.items.length);
    // the org that disabled its schedule was left alone
    expect((await db.query(`SELECT status FROM eval_runs WHERE id = $1`, [alsoStale]))[0].status).toBe('running');
    expect(expectSuccess(await h.http.get(`${BASE}/maintenance/runs`).set(bearer(skipped.admin)), 200).total).toBe(0);
  });
});
