import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { createAgent, expectError, expectSuccess, expectValidation, MISSING_UUID } from './support/e2e-helpers';

/**
 * Runs are real (uploaded golden set, run executed in the request by the built-in executor and judge);
 * the judge verdicts of the first run are then set directly in its results, so the agreement figures
 * below are known and computed by hand.
 */
describe('judge calibration', () => {
  let h: ApiHarness;
  let db: DataSource;
  let A: OrgKeys;
  let B: OrgKeys;
  let agent: any;
  let setId: string;
  let caseIds: string[];
  let run1: string;

  const post = (key: string, path: string, body: object) => h.http.post(path).set(bearer(key)).set('Idempotency-Key', randomUUID()).send(body);
  const get = (key: string, path: string) => h.http.get(path).set(bearer(key));
  const completedRun = async () => {
    const id = expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId }), 202).id as string;
    expectSuccess(await post(A.member, `/api/v1/eval/runs/${id}/execute`, {}), 200);
    return id;
  };
  const gate = async (query = '') => expectSuccess(await get(A.viewer, `/api/v1/agents/${agent.id}/calibration-gate-status${query}`), 200);

  // Judge: passed on cases 0-5, failed on 6-9; quality 5, 5, 1, 1 on cases 0-3.
  const JUDGE_PASSED = [true, true, true, true, true, true, false, false, false, false];
  const JUDGE_QUALITY = [5, 5, 1, 1];
  // Humans: passed on 0-4 and 9 (disagreeing on 5 and 9); quality 5, 4, 1, 3 on cases 0-3.
  const HUMAN_PASSED = [true, true, true, true, true, false, false, false, false, true];
  const HUMAN_QUALITY = [5, 4, 1, 3];
  const labels = () =>
    caseIds.map((case_id, i) => ({ case_id, passed: HUMAN_PASSED[i], ...(i < HUMAN_QUALITY.length ? { quality_score: HUMAN_QUALITY[i] } : {}) }));

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
    agent = await createAgent(h, A.member);
    const cases = Array.from({ length: 10 }, (_, i) => ({ input: `question ${i}`, expected_answer: `answer ${i}` }));
    const up = expectSuccess(await post(A.member, '/api/v1/golden-sets/upload', { agent_id: agent.id, name: uniqueName('Set'), cases }), 201);
    setId = up.golden_set.id;
    run1 = await completedRun();
    const rows: { case_id: string }[] = await db.query(
      `SELECT r.case_id FROM eval_results r JOIN golden_set_cases c ON c.id = r.case_id WHERE r.run_id = $1 AND r.trial = 1 ORDER BY c.input`,
      [run1],
    );
    caseIds = rows.map((r) => r.case_id);
    expect(caseIds).toHaveLength(10);
    for (const [i, caseId] of caseIds.entries())
      await db.query(`UPDATE eval_results SET passed = $3, quality_score = COALESCE($4::numeric, quality_score) WHERE run_id = $1 AND case_id = $2`, [
        run1,
        caseId,
        JUDGE_PASSED[i],
        JUDGE_QUALITY[i] ?? null,
      ]);
  });
  afterAll(() => h.close());

  it('without a calibration: latest is 404 and the gate is blocked by no_calibration', async () => {
    expectError(await get(A.viewer, `/api/v1/agents/${agent.id}/calibration/latest`), 404, 'NOT_FOUND');
    expect(await gate()).toMatchObject({ status: 'blocked', reasons: ['no_calibration'], calibration: null });
  });

  it('measures agreement and kappa of human labels against the judge, by hand', async () => {
    const cal = expectSuccess(await post(A.member, '/api/v1/calibration/runs', { run_id: run1, labels: labels() }), 201);
    expect(cal).toMatchObject({ run_id: run1, agent_id: agent.id, org_id: A.org_id, source: 'labels', case_count: 10 });
    expect(cal.judge_config_hash).toMatch(/^[0-9a-f]{64}$/);
    // passed: 8 of 10 agree; both sides say pass 6 times, so chance agreement is .6² + .4² = .52, kappa (.8 - .52) / .48.
    expect(cal.agreement.fields.passed).toBeCloseTo(0.8, 12);
    expect(cal.kappa.passed).toMatchObject({
      n: 10,
      weights: 'none',
      matrix: {
        labels: ['true', 'false'],
        counts: [
          [5, 1],
          [1, 3],
        ],
      },
    });
    expect(cal.kappa.passed.expected_agreement).toBeCloseTo(0.52, 12);
    expect(cal.kappa.passed.kappa).toBeCloseTo(0.28 / 0.48, 12);
    expect(cal.kappa.passed.label_counts).toEqual({ human: { true: 6, false: 4 }, judge: { true: 6, false: 4 } });
    expect(cal.kappa.passed.lower).toBeLessThan(cal.kappa.passed.kappa);
    // quality (quadratic weights 1 - d²/16): observed (1 + 15/16 + 1 + 12/16) / 4, expected .609375, kappa .8; exact matches 2 of 4.
    expect(cal.agreement.fields.quality_score).toBeCloseTo(0.5, 12);
    expect(cal.kappa.quality_score.observed_agreement).toBeCloseTo(0.921875, 12);
    expect(cal.kappa.quality_score.expected_agreement).toBeCloseTo(0.609375, 12);
    expect(cal.kappa.quality_score.kappa).toBeCloseTo(0.8, 12);
    expect(cal.agreement.overall).toBeCloseTo(10 / 14, 12);
    expect(cal.kappa.answer_correct).toBeUndefined();
    const events = await db.query(`SELECT metadata FROM activity_events WHERE event_type = 'calibration_run_created' AND agent_id = $1`, [agent.id]);
    expect(events).toHaveLength(1);
    expect(expectSuccess(await get(A.viewer, `/api/v1/calibration/runs/${cal.id}`), 200)).toEqual(cal);
    expect(expectSuccess(await get(A.viewer, `/api/v1/agents/${agent.id}/calibration/latest`), 200).id).toBe(cal.id);
  });

  it('gate: kappa .583 is below the default .6; passes with a lower minimum; agreement and field thresholds block', async () => {
    expect(await gate()).toMatchObject({ status: 'blocked', reasons: ['kappa_below_minimum'] });
    const pass = await gate('?min_kappa=0.5');
    expect(pass).toMatchObject({ status: 'pass', reasons: [] });
    expect(pass.current_judge_config_hash).toBe(pass.calibration.judge_config_hash);
    expect(await gate('?min_kappa=0.5&min_agreement=0.81')).toMatchObject({ status: 'blocked', reasons: ['agreement_below_minimum'] });
    // quality_score: kappa .8 passes, exact agreement .5 does not; answer_correct has no labels at all.
    expect(await gate('?field=quality_score')).toMatchObject({ reasons: ['agreement_below_minimum'] });
    expect(await gate('?field=answer_correct')).toMatchObject({ reasons: ['agreement_below_minimum', 'kappa_below_minimum'] });
  });

  it('gate: an old calibration is too old', async () => {
    await db.query(`UPDATE calibration_runs SET created_at = now() - interval '40 days' WHERE agent_id = $1`, [agent.id]);
    expect(await gate('?min_kappa=0.5')).toMatchObject({ status: 'blocked', reasons: ['calibration_too_old'] });
    expect(await gate('?min_kappa=0.5&max_calibration_age_days=41')).toMatchObject({ status: 'pass' });
    await db.query(`UPDATE calibration_runs SET created_at = now() WHERE agent_id = $1`, [agent.id]);
  });

  it('gate: a later run with another judge configuration blocks with judge_config_changed', async () => {
    const run2 = await completedRun();
    expect(await gate('?min_kappa=0.5')).toMatchObject({ status: 'pass' });
    // The later run froze another judge prompt: its fingerprint is recomputed from its configuration.
    await db.query(
      `UPDATE eval_runs SET config = jsonb_set(config, '{judge,prompt_version}', '"calibration-test-v2"'), judge_config_hash = NULL WHERE id = $1`,
      [run2],
    );
    const blocked = await gate('?min_kappa=0.5');
    expect(blocked).toMatchObject({ status: 'blocked', reasons: ['judge_config_changed'] });
    expect(blocked.current_judge_config_hash).not.toBe(blocked.calibration.judge_config_hash);
  });

  it('from reviews: accepted results agree with the judge, overridden ones carry the reviewer values', async () => {
    expectValidation(await post(A.member, '/api/v1/calibration/runs', { run_id: run1, from_reviews: true }), ['from_reviews']);
    await db.query(`UPDATE eval_results SET review_status = 'accepted' WHERE run_id = $1 AND case_id = ANY($2)`, [run1, caseIds.slice(0, 3)]);
    await db.query(`UPDATE eval_results SET review_status = 'overridden', review_override = '{"quality_score": 2}' WHERE run_id = $1 AND case_id = $2`, [
      run1,
      caseIds[3],
    ]);
    const cal = expectSuccess(await post(A.member, '/api/v1/calibration/runs', { run_id: run1, from_reviews: true }), 201);
    expect(cal).toMatchObject({ source: 'reviews', case_count: 4 });
    expect(cal.kappa.passed).toBeUndefined();
    // quality: judge 5, 5, 1, 1 against reviewers 5, 5, 1, 2: three of four exact.
    expect(cal.agreement.fields.quality_score).toBeCloseTo(0.75, 12);
    await db.query(`DELETE FROM calibration_runs WHERE id = $1`, [cal.id]);
  });

  it('validation: unknown case ids are named; a run must be completed', async () => {
    const res = await post(A.member, '/api/v1/calibration/runs', { run_id: run1, labels: [{ case_id: MISSING_UUID, passed: true }] });
    expect(expectError(res, 400, 'VALIDATION_ERROR').details[0].case_ids).toEqual([MISSING_UUID]);
    // No result of the later run is reviewed yet.
    const later = expectSuccess(await get(A.viewer, `/api/v1/agents/${agent.id}/calibration/latest`), 200).run_id;
    expect(later).toBe(run1);
    expectValidation(await post(A.member, '/api/v1/calibration/runs', { run_id: run1, labels: [] }), ['labels']);
    expectValidation(await post(A.member, '/api/v1/calibration/runs', { run_id: run1, labels: [{ case_id: caseIds[0], quality_score: 6 }] }), []);
    const pending = expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId }), 202).id;
    expectValidation(await post(A.member, '/api/v1/calibration/runs', { run_id: pending, labels: labels() }), ['run_id']);
  });

  it('another org sees 404; a viewer cannot create', async () => {
    const cal = expectSuccess(await get(A.viewer, `/api/v1/agents/${agent.id}/calibration/latest`), 200);
    expectError(await get(B.viewer, `/api/v1/calibration/runs/${cal.id}`), 404, 'NOT_FOUND');
    expectError(await get(B.viewer, `/api/v1/agents/${agent.id}/calibration/latest`), 404, 'NOT_FOUND');
    expectError(await get(B.viewer, `/api/v1/agents/${agent.id}/calibration-gate-status`), 404, 'NOT_FOUND');
    expectError(await post(B.member, '/api/v1/calibration/runs', { run_id: run1, labels: labels() }), 404, 'NOT_FOUND');
    expectError(await post(A.viewer, '/api/v1/calibration/runs', { run_id: run1, labels: labels() }), 403, 'FORBIDDEN');
  });
});
