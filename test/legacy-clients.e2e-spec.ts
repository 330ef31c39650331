import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createAgent, expectError, expectSuccess, expectValidation } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const idem = () => ({ 'Idempotency-Key': randomUUID() });
const QUEUE = '/api/v1/system/queue';
const DRAIN = '/api/v1/system/notifications/outbox/drain';

/**
 * What clients written against the earlier API rely on: its error code for executing a cancelled run,
 * `result_count` on the run, `?limit=` on the outbox drain, `stale_heartbeat_seconds`, its run type
 * names, and a required Idempotency-Key on every admin queue mutation.
 */
describe('behaviour clients of the earlier API rely on', () => {
  let h: ApiHarness;
  let db: DataSource;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let doc: any;

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    g = await globalAdmin(h.config);
    A = await orgWithKeys(h, g.api_key);
    doc = (await h.http.get('/docs-json').expect(200)).body;
  });
  afterAll(() => h.close());

  /** A pending run over `n` cases of an agent without endpoint (the simulated executor answers). */
  async function pendingRun(extra: Record<string, unknown> = {}, n = 1): Promise<any> {
    const agent = await createAgent(h, A.member);
    const cases = Array.from({ length: n }, (_, i) => ({ input: `q${i}`, expected_answer: `a${i}` }));
    const set = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(A.member))
        .send({ agent_id: agent.id, name: uniqueName('S'), cases }),
      201,
    );
    return expectSuccess(
      await h.http
        .post('/api/v1/eval/runs')
        .set(bearer(A.member))
        .send({ agent_id: agent.id, golden_set_id: set.golden_set.id, ...extra }),
      202,
    );
  }

  const schema = (name: string) => doc.components.schemas[name];
  const operation = (path: string, method: string) => doc.paths[path][method];

  it('execute on a cancelled run answers 409 EVAL_RUN_CANCELLED; other non-pending runs keep the transition error', async () => {
    const run = await pendingRun();
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/cancel`).set(bearer(A.member)), 200);
    const err = expectError(await h.http.post(`/api/v1/eval/runs/${run.id}/execute`).set(bearer(A.member)), 409, 'EVAL_RUN_CANCELLED');
    expect(err.details).toEqual({ run_id: run.id, status: 'cancelled' });
    expect(expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}`).set(bearer(A.viewer)), 200).status).toBe('cancelled');

    const done = await pendingRun();
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${done.id}/execute`).set(bearer(A.member)), 200);
    expectError(await h.http.post(`/api/v1/eval/runs/${done.id}/execute`).set(bearer(A.member)), 409, 'EVAL_RUN_STATUS_TRANSITION_INVALID');
    expect(schema('ErrorCode').enum).toContain('EVAL_RUN_CANCELLED');
  });

  it('the run carries result_count: 0 while pending, the number of stored results after execute, 0 again when reopened', async () => {
    const run = await pendingRun({}, 3);
    expect(run.result_count).toBe(0);
    const executed = expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/execute`).set(bearer(A.member)), 200);
    expect(executed.run.result_count).toBe(3);
    const stored = (await db.query(`SELECT count(*)::int AS n FROM eval_results WHERE run_id = $1`, [run.id]))[0].n;
    expect(stored).toBe(3);
    expect(expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}`).set(bearer(A.viewer)), 200).result_count).toBe(3);
    const listed = expectSuccess(await h.http.get('/api/v1/eval/runs').query({ limit: 200 }).set(bearer(A.viewer)), 200).items.find(
      (r: any) => r.id === run.id,
    );
    expect(listed).toMatchObject({ result_count: 3, rates: { result_count: 3 } });
    // start reopens a finished run and clears its results (no worker runs here, so it stays pending)
    const reopened = expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/start`).set(bearer(A.member)), 202);
    expect(reopened).toMatchObject({ reopened: true, run: { result_count: 0 } });
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/cancel`).set(bearer(A.member)), 200);

    expect(schema('EvalRunView').required).toContain('result_count');
    expect(schema('EvalRunView').properties.result_count).toMatchObject({ type: 'number' });
  });

  it('outbox drain reads limit from the query string; a query limit wins over the body', async () => {
    // three pending platform deliveries of A: a global admin's drain of A selects at most `limit` of them
    for (let i = 0; i < 3; i++) {
      await db.query(
        `INSERT INTO notification_outbox (event_id, org_id, target_url, event_type, data, next_attempt_at)
         VALUES (gen_random_uuid(), $1, 'http://127.0.0.1:9/none', 'webhook.test', '{}', now() + interval '1 hour')`,
        [A.org_id],
      );
    }
    const two = expectSuccess(await h.http.post(`${DRAIN}?limit=2`).set(bearer(g.api_key)).send({ org_id: A.org_id, limit: 50 }), 200);
    expect(two).toMatchObject({ org_id: A.org_id, limit: 2, selected: 2 });
    // the earlier path, no body at all
    const legacy = await h.http.post('/api/system/notifications/outbox/drain?limit=1').set(bearer(A.admin));
    expect(expectSuccess(legacy, 200)).toMatchObject({ org_id: A.org_id, limit: 1 });
    expect(legacy.headers.deprecation).toBe('true');
    expect(expectSuccess(await h.http.post(`${DRAIN}?limit=7`).set(bearer(A.admin)), 200)).toMatchObject({ org_id: A.org_id, limit: 7 });
    expect(expectSuccess(await h.http.post(`${DRAIN}?limit=3`).set(bearer(A.admin)).send({ limit: 40 }), 200).limit).toBe(3);
    expect(expectSuccess(await h.http.post(DRAIN).set(bearer(A.admin)).send({ limit: 40 }), 200).limit).toBe(40);
    expect(expectSuccess(await h.http.post(DRAIN).set(bearer(A.admin)).send({}), 200).limit).toBe(100);
    for (const bad of ['0', '1001', 'ten', '2.5']) expectValidation(await h.http.post(`${DRAIN}?limit=${bad}`).set(bearer(A.admin)), ['limit']);
    const params = operation('/api/v1/system/notifications/outbox/drain', 'post').parameters;
    expect(params).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'query', name: 'limit' })]));
  });

  it('stale_heartbeat_seconds is accepted for stale_run_seconds; both given and different is VALIDATION_ERROR', async () => {
    const policy = (body: object) => h.http.post(`${QUEUE}/maintenance-policy`).set(bearer(A.admin)).set(idem()).send(body);
    expect(expectSuccess(await policy({ stale_heartbeat_seconds: 777 }), 200).stale_run_seconds).toBe(777);
    expect(expectSuccess(await policy({ stale_heartbeat_seconds: 778, stale_run_seconds: 778 }), 200).stale_run_seconds).toBe(778);
    expectValidation(await policy({ stale_heartbeat_seconds: 600, stale_run_seconds: 700 }), ['stale_heartbeat_seconds']);
    expectValidation(await policy({ stale_heartbeat_seconds: 5 }), ['stale_heartbeat_seconds']);
    expect(expectSuccess(await h.http.get(`${QUEUE}/maintenance-policy`).set(bearer(A.admin)), 200).stale_run_seconds).toBe(778);

    const reap = expectSuccess(
      await h.http.post(`${QUEUE}/jobs/reap-stale`).set(bearer(A.admin)).set(idem()).send({ stale_heartbeat_seconds: 321, dry_run: true }),
      200,
    );
    expect(reap.stale_run_seconds).toBe(321);
    expectValidation(
      await h.http.post(`${QUEUE}/jobs/reap-stale`).set(bearer(A.admin)).set(idem()).send({ stale_heartbeat_seconds: 321, stale_run_seconds: 322 }),
      ['stale_heartbeat_seconds'],
    );

    const run = expectSuccess(await h.http.post(`${QUEUE}/maintenance/run`).set(bearer(A.admin)).set(idem()).send({ stale_heartbeat_seconds: 432 }), 200);
    expect(run.run.policy.stale_run_seconds).toBe(432);
    expect(run.reap.stale_run_seconds).toBe(432);
    expectValidation(
      await h.http.post(`${QUEUE}/maintenance/run`).set(bearer(A.admin)).set(idem()).send({ stale_heartbeat_seconds: 432, stale_run_seconds: 433 }),
      ['stale_heartbeat_seconds'],
    );

    const trigger = expectSuccess(
      await h.http
        .post(`${QUEUE}/maintenance/schedule-trigger`)
        .set(bearer(A.admin))
        .set(idem())
        .send({ schedule_name: 'alias', stale_heartbeat_seconds: 543 }),
      200,
    );
    expect(trigger.run.policy.stale_run_seconds).toBe(543);
    for (const name of ['UpsertMaintenancePolicyDto', 'ReapStaleJobsDto', 'RunMaintenanceDto', 'ScheduleTriggerDto']) {
      expect(`${name}: ${schema(name).properties.stale_heartbeat_seconds?.description}`).toMatch(/stale_run_seconds/);
    }
  });

  it('the earlier run types are accepted and stored as ours: eval → standard, ab_comparison → regression', async () => {
    expect((await pendingRun({ run_type: 'eval' })).run_type).toBe('standard');
    const ab = await pendingRun({ run_type: 'ab_comparison' });
    expect(ab.run_type).toBe('regression');
    expect((await pendingRun({ run_type: 'calibration' })).run_type).toBe('calibration');
    const filtered = expectSuccess(await h.http.get('/api/v1/eval/runs').query({ run_type: 'ab_comparison', limit: 200 }).set(bearer(A.viewer)), 200);
    expect(filtered.items.map((r: any) => r.id)).toContain(ab.id);
    expect(filtered.items.every((r: any) => r.run_type === 'regression')).toBe(true);

    const tpl = expectSuccess(
      await h.http
        .post('/api/v1/eval/templates')
        .set(bearer(A.member))
        .send({ name: uniqueName('Tpl'), agent_type: 'search_retrieval', run_type: 'eval' }),
      201,
    );
    expect(tpl.run_type).toBe('standard');
    const tpls = expectSuccess(await h.http.get('/api/v1/eval/templates').query({ run_type: 'eval', limit: 200 }).set(bearer(A.viewer)), 200);
    expect(tpls.items.map((t: any) => t.id)).toContain(tpl.id);

    const agent = await createAgent(h, A.member);
    for (const bad of ['ab', 'EVAL', 'constructor']) {
      expectValidation(await h.http.post('/api/v1/eval/runs').set(bearer(A.member)).send({ agent_id: agent.id, golden_set_id: randomUUID(), run_type: bad }), [
        'run_type',
      ]);
    }
    const field = schema('CreateEvalRunDto').properties.run_type;
    expect(field.enum).toEqual(expect.arrayContaining(['standard', 'regression', 'eval', 'ab_comparison']));
    expect(field.description).toMatch(/eval → standard.*ab_comparison → regression/);
    expect(schema('EvalRunView').properties.run_type.enum).not.toContain('eval');
  });

  it('Idempotency-Key is required on maintenance-policy and schedule-trigger, as on the other queue mutations', async () => {
    expectValidation(await h.http.post(`${QUEUE}/maintenance-policy`).set(bearer(A.admin)).send({ retention_days: 4 }), ['Idempotency-Key']);
    expectValidation(await h.http.post(`${QUEUE}/maintenance/schedule-trigger`).set(bearer(A.admin)).send({ schedule_name: 'needs-key' }), ['Idempotency-Key']);
    expect(expectSuccess(await h.http.get(`${QUEUE}/maintenance-policy`).set(bearer(A.admin)), 200).retention_days).not.toBe(4);
    // the same key and payload replay the stored answer
    const key = randomUUID();
    const first = await h.http
      .post(`${QUEUE}/maintenance/schedule-trigger`)
      .set(bearer(A.admin))
      .set('Idempotency-Key', key)
      .send({ schedule_name: 'keyed', force: true });
    const again = await h.http
      .post(`${QUEUE}/maintenance/schedule-trigger`)
      .set(bearer(A.admin))
      .set('Idempotency-Key', key)
      .send({ schedule_name: 'keyed', force: true });
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(expectSuccess(again, 200).run.id).toBe(expectSuccess(first, 200).run.id);
    for (const path of ['/api/v1/system/queue/maintenance-policy', '/api/v1/system/queue/maintenance/schedule-trigger']) {
      const header = operation(path, 'post').parameters.find((p: any) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect(`${path}: ${header?.required}`).toBe(`${path}: true`);
    }
  });
});
