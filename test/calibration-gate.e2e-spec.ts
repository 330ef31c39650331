import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RunQueueService } from '@greenlight/evaluation';
import { EvalRunEntity } from '@greenlight/database';
import { startTestAgent, TestAgent } from './support/agent-server';
import { createAgent, expectError, expectSuccess, expectValidation } from './support/e2e-helpers';
import { FakeOpenAi, startFakeOpenAi, verdictReply } from './support/fake-openai-server';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

/**
 * A run created with `require_calibration_gate` executes only while the agent's latest calibration
 * passes the gate for the run's own judge configuration: `execute`, `start` and requeue refuse it with
 * 409 CALIBRATION_GATE_BLOCKED and the reasons. Calibrations are real (labels against completed runs);
 * the deterministic judge's verdicts of the first run are set in its results so agreement and kappa are
 * known, and the provider judge's come from a local OpenAI-compatible server.
 */
describe('calibration gate on runs', () => {
  let h: ApiHarness;
  let db: DataSource;
  let A: OrgKeys;
  let fake: FakeOpenAi;
  let agentServer: TestAgent;
  let agent: any;
  let setId: string;
  let caseIds: string[];
  let baseRun: string;

  const post = (key: string, path: string, body: object) => h.http.post(path).set(bearer(key)).set('Idempotency-Key', randomUUID()).send(body);
  // Judge verdicts of the deterministic run (set below) and of the provider judge (the fake's answers): pass on cases 0-5.
  const JUDGE_PASSED = [true, true, true, true, true, true, false, false, false, false];
  // Humans disagree on cases 5 and 9: agreement .8, kappa (.8 - .52) / .48 = .583.
  const HUMAN_PASSED = [true, true, true, true, true, false, false, false, false, true];
  const labelsOf = (passed: boolean[]) => caseIds.map((case_id, i) => ({ case_id, passed: passed[i] }));

  const createRun = async (extra: Record<string, unknown> = {}) =>
    expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId, ...extra }), 202);
  const executed = async (id: string) => expectSuccess(await post(A.member, `/api/v1/eval/runs/${id}/execute`, {}), 200);
  const calibrate = async (runId: string, passed: boolean[]) =>
    expectSuccess(await post(A.member, '/api/v1/calibration/runs', { run_id: runId, labels: labelsOf(passed) }), 201);

  /** A new gated run is refused by execute, start and (once finished) requeue, each time with exactly `reasons`. */
  async function expectBlocked(reasons: string[], extra: Record<string, unknown> = {}): Promise<void> {
    const run = await createRun({ require_calibration_gate: true, ...extra });
    for (const action of ['execute', 'start']) {
      const err = expectError(await post(A.member, `/api/v1/eval/runs/${run.id}/${action}`, {}), 409, 'CALIBRATION_GATE_BLOCKED');
      expect(err.details).toMatchObject({ run_id: run.id, reasons, gate: { status: 'blocked', reasons } });
    }
    const untouched = expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}`).set(bearer(A.viewer)), 200);
    expect(untouched).toMatchObject({ status: 'pending', result_count: 0 });
    // An operator's requeue (job retry, replay, reaper) of a finished run checks the gates before reopening it.
    expectSuccess(await post(A.member, `/api/v1/eval/runs/${run.id}/cancel`, {}), 200);
    const cancelled = await db.getRepository(EvalRunEntity).findOneByOrFail({ id: run.id });
    await expect(h.app.get(RunQueueService).requeue(cancelled, { reason: 'test' })).rejects.toMatchObject({
      code: 'CALIBRATION_GATE_BLOCKED',
      details: { reasons },
    });
    expect((await db.getRepository(EvalRunEntity).findOneByOrFail({ id: run.id })).status).toBe('cancelled');
  }

  /** A new gated run executes to completion. */
  async function expectPasses(extra: Record<string, unknown> = {}): Promise<void> {
    const run = await createRun({ require_calibration_gate: true, ...extra });
    expect((await executed(run.id)).run.status).toBe('completed');
  }

  beforeAll(async () => {
    // The provider judge passes "question 0" to "question 5" and fails the others.
    fake = await startFakeOpenAi((req) => {
      const n = Number(/question (\d+)/.exec(String(req.body?.messages?.[1]?.content))?.[1]);
      const pass = JUDGE_PASSED[n] === true;
      return verdictReply({
        answer_correct: pass,
        source_correct: null,
        quality_score: pass ? 5 : 1,
        criteria_scores: null,
        issue_tags: [],
        reasoning: pass ? 'right' : 'wrong',
      });
    });
    agentServer = await startTestAgent((input) => ({ body: { output: `answer ${/question (\d+)/.exec(input)?.[1]}` } }));
    h = await startApi({
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      OPENAI_API_KEY: 'sk-test-not-a-real-key',
      OPENAI_BASE_URL: fake.url,
      EVAL_JUDGE_MAX_RETRIES: '0',
    });
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    A = await orgWithKeys(h, g.api_key);
    agent = await createAgent(h, A.member, { api_endpoint: agentServer.url });
    const cases = Array.from({ length: 10 }, (_, i) => ({ input: `question ${i}`, expected_answer: `answer ${i}` }));
    setId = expectSuccess(await post(A.member, '/api/v1/golden-sets/upload', { agent_id: agent.id, name: uniqueName('Set'), cases }), 201).golden_set.id;
    baseRun = (await createRun()).id;
    await executed(baseRun);
    const rows: { case_id: string }[] = await db.query(
      `SELECT r.case_id FROM eval_results r JOIN golden_set_cases c ON c.id = r.case_id WHERE r.run_id = $1 ORDER BY c.input`,
      [baseRun],
    );
    caseIds = rows.map((r) => r.case_id);
    for (const [i, caseId] of caseIds.entries())
      await db.query(`UPDATE eval_results SET passed = $3 WHERE run_id = $1 AND case_id = $2`, [baseRun, caseId, JUDGE_PASSED[i]]);
  });
  afterAll(async () => {
    await h?.close();
    await agentServer?.close();
    await fake?.close();
  });

  it('the run shows the gate settings it was given, and only those', async () => {
    const run = await createRun({ require_calibration_gate: true, min_calibration_kappa: 0.4, calibration_field: 'answer_correct' });
    expect(run.config.gates).toEqual({ require_calibration_gate: true, calibration: { min_kappa: 0.4, field: 'answer_correct' } });
    expect((await createRun()).config.gates).toEqual({});
    for (const [field, value] of [
      ['require_calibration_gate', 'yes'],
      ['calibration_field', 'score'],
      ['min_calibration_agreement', 1.5],
      ['min_calibration_kappa', -2],
      ['max_calibration_age_days', 0],
      ['max_calibration_age_days', 2.5],
    ] as const)
      expectValidation(await post(A.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId, [field]: value }), [field]);
  });

  it('without a calibration: blocked by no_calibration; a run without the flag executes', async () => {
    await expectBlocked(['no_calibration']);
    expect((await executed((await createRun({ require_calibration_gate: false })).id)).run.status).toBe('completed');
    expect((await executed((await createRun()).id)).run.status).toBe('completed');
  });

  it('agreement and kappa below the minimums block; the run thresholds decide', async () => {
    // The labels disagree with the judge on two cases: agreement .8, kappa .583.
    await calibrate(baseRun, HUMAN_PASSED);
    await expectBlocked(['kappa_below_minimum']);
    await expectBlocked(['agreement_below_minimum'], { min_calibration_agreement: 0.9, min_calibration_kappa: 0.5 });
    await expectBlocked(['agreement_below_minimum', 'kappa_below_minimum'], { calibration_field: 'answer_correct' });
    await expectPasses({ min_calibration_kappa: 0.5 });
  });

  it('a new calibration that agrees passes; one too old blocks until the run allows its age', async () => {
    const cal = await calibrate(baseRun, JUDGE_PASSED);
    await expectPasses();
    await db.query(`UPDATE calibration_runs SET created_at = created_at - interval '40 days' WHERE id = $1`, [cal.id]);
    await db.query(`UPDATE calibration_runs SET created_at = created_at - interval '50 days' WHERE agent_id = $1 AND id <> $2`, [agent.id, cal.id]);
    await expectBlocked(['calibration_too_old']);
    await expectPasses({ max_calibration_age_days: 41 });
    await db.query(`UPDATE calibration_runs SET created_at = created_at + interval '40 days' WHERE id = $1`, [cal.id]);
    await expectPasses();
  });

  it('another judge model or prompt than the calibrated one blocks with judge_config_changed, until it is calibrated', async () => {
    // Calibrated on the deterministic judge: a provider-judged run is not covered.
    await expectBlocked(['judge_config_changed'], { judge_mode: 'provider', judge_model: 'judge-a' });
    // Calibrate the provider judge: a completed provider run, labelled by people who agree with it.
    const providerRun = (await createRun({ judge_mode: 'provider', judge_model: 'judge-a' })).id;
    await executed(providerRun);
    await calibrate(providerRun, JUDGE_PASSED);
    await expectPasses({ judge_mode: 'provider', judge_model: 'judge-a' });
    // The same provider judge with another model, and the deterministic judge, are now the uncalibrated ones.
    await expectBlocked(['judge_config_changed'], { judge_mode: 'provider', judge_model: 'judge-b' });
    await expectBlocked(['judge_config_changed']);
    // A changed prompt version changes the run's judge configuration too.
    const run = await createRun({ require_calibration_gate: true, judge_mode: 'provider', judge_model: 'judge-a' });
    await db.query(`UPDATE eval_runs SET config = jsonb_set(config, '{judge,prompt_version}', '"provider-v2"'), judge_config_hash = NULL WHERE id = $1`, [
      run.id,
    ]);
    const err = expectError(await post(A.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 409, 'CALIBRATION_GATE_BLOCKED');
    expect(err.details.reasons).toEqual(['judge_config_changed']);
    expect(err.details.gate.current_judge_config_hash).not.toBe(err.details.gate.calibration.judge_config_hash);
  });
});
