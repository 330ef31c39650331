import { DataSource } from 'typeorm';
import { judgeConfigHash } from '@greenlight/evaluation';
import { startTestAgent, TestAgent } from './support/agent-server';
import { createAgent, expectError, expectSuccess } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

/**
 * Human review of results and the judge configuration hash. The agent answers case 0 right, case 1 wrong,
 * and case 2 right on its odd calls only, so with two trials case 2 is the one whose trials disagree.
 */
describe('human review of eval results', () => {
  let h: ApiHarness;
  let A: OrgKeys;
  let B: OrgKeys;
  let agent: TestAgent;
  const calls = new Map<string, number>();
  let runId: string;
  let caseIds: string[];
  let results: any[];

  beforeAll(async () => {
    agent = await startTestAgent((input) => {
      const i = Number(/case (\d+)/.exec(input)?.[1] ?? 0);
      const n = (calls.get(input) ?? 0) + 1;
      calls.set(input, n);
      const right = i === 0 || (i === 2 && n % 2 === 1);
      return { body: { output: right ? `answer ${i}` : 'something else entirely' } };
    });
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', EVAL_AGENT_TIMEOUT_MS: '3000' });
    const g = await globalAdmin(h.config);
    A = await orgWithKeys(h, g.api_key);
    B = await orgWithKeys(h, g.api_key);
    ({ runId, caseIds } = await executedRun());
    results = expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}/results?limit=100`).set(bearer(A.viewer)), 200).items;
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
  });

  async function executedRun(): Promise<{ runId: string; caseIds: string[] }> {
    const agentId = (await createAgent(h, A.member, { api_endpoint: agent.url })).id;
    const cases = [0, 1, 2].map((i) => ({ input: `case ${i} ${uniqueName('q')}`, expected_answer: `answer ${i}` }));
    const up = await h.http
      .post('/api/v1/golden-sets/upload')
      .set(bearer(A.member))
      .send({ agent_id: agentId, name: uniqueName('S'), cases });
    const setId = expectSuccess(up, 201).golden_set.id;
    const rows: { id: string }[] = await h.app.get(DataSource).query(`SELECT id FROM golden_set_cases WHERE golden_set_id = $1 ORDER BY position`, [setId]);
    const run = expectSuccess(await h.http.post('/api/v1/eval/runs').set(bearer(A.member)).send({ agent_id: agentId, golden_set_id: setId, trials: 2 }), 202);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/execute`).set(bearer(A.member)), 200);
    return { runId: run.id, caseIds: rows.map((r) => r.id) };
  }

  const queue = async (query = '', key = A.viewer) => expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}/review-queue?${query}`).set(bearer(key)), 200);
  const review = (resultId: string, body: Record<string, unknown>, key = A.member, run = runId) =>
    h.http.patch(`/api/v1/eval/runs/${run}/results/${resultId}/review`).set(bearer(key)).send(body);
  const resultOf = (caseIndex: number, trial: number) => results.find((r) => r.case_id === caseIds[caseIndex] && r.trial === trial);
  const summary = async (query = '') => expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}/summary?${query}`).set(bearer(A.viewer)), 200);

  it('shows the judge configuration hash on the run, its summary and its artifacts', async () => {
    const run = expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}`).set(bearer(A.viewer)), 200);
    expect(run.judge_config_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.judge_config_hash).toBe(judgeConfigHash(run.config));
    expect((await summary()).judge_config_hash).toBe(run.judge_config_hash);
    const artifacts = expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}/artifacts`).set(bearer(A.viewer)), 200);
    expect(artifacts.items.length).toBeGreaterThan(0);
    for (const a of artifacts.items) expect(a.judge_config_hash).toBe(run.judge_config_hash);
  });

  it('filters the queue: failed, flaky, max_score, judge_error; unreviewed by default', async () => {
    expect(results).toHaveLength(6);
    const all = await queue();
    expect(all.total).toBe(6);
    expect(all.items[0].review_status).toBe('unreviewed');
    expect(all.items[0].deltas.quality_score.delta).toBe(0);
    const failed = await queue('failed=true');
    expect(failed.items.map((r: any) => r.case_id).sort()).toEqual([caseIds[1], caseIds[1], caseIds[2]].sort());
    const flaky = await queue('flaky=true');
    expect(flaky.items.map((r: any) => [r.case_id, r.trial])).toEqual([
      [caseIds[2], 1],
      [caseIds[2], 2],
    ]);
    const low = Math.min(...results.map((r) => r.quality_score));
    expect((await queue(`max_score=${low}`)).items.every((r: any) => r.quality_score <= low)).toBe(true);
    expect((await queue(`max_score=${low}`)).total).toBe(results.filter((r) => r.quality_score <= low).length);
    expect((await queue('judge_error=true')).total).toBe(0);
    expect((await queue('limit=2')).items).toHaveLength(2);
  });

  it('accepts a verdict: no deltas, leaves the unreviewed queue, records the activity', async () => {
    const r = resultOf(0, 1);
    const res = expectSuccess(await review(r.id, { decision: 'accept', reason: 'looks right' }), 200);
    expect(res).toMatchObject({ id: r.id, review_status: 'accepted', review_reason: 'looks right', review_override: null });
    expect(res.reviewed_by_key_id).toBeTruthy();
    expect(res.deltas.answer_correct).toEqual({ judge: true, reviewer: true, changed: false });
    expect((await queue()).total).toBe(5);
    expect((await queue('unreviewed=false')).total).toBe(6);
    const events = await h.app
      .get(DataSource)
      .query(`SELECT metadata FROM activity_events WHERE event_type = 'result_reviewed' AND metadata->>'result_id' = $1`, [r.id]);
    expect(events).toHaveLength(1);
    expect(events[0].metadata).toMatchObject({ run_id: runId, decision: 'accept' });
  });

  it('overrides a verdict with deltas, and the as-reviewed summary applies it', async () => {
    const before = await summary();
    const r = resultOf(1, 1);
    const max = (await h.http.get(`/api/v1/eval/runs/${runId}`).set(bearer(A.viewer))).body.data.config.profile.scoring_scale.quality.max;
    const body = { decision: 'override', reason: 'the answer is acceptable', override: { answer_correct: true, quality_score: max } };
    const res = expectSuccess(await review(r.id, body), 200);
    expect(res.review_status).toBe('overridden');
    expect(res.review_override).toEqual({ answer_correct: true, quality_score: max });
    expect(res.deltas.answer_correct).toEqual({ judge: false, reviewer: true, changed: true });
    expect(res.deltas.quality_score).toEqual({ judge: r.quality_score, reviewer: max, delta: Math.round((max - r.quality_score) * 100) / 100 });
    expect(res.answer_correct).toBe(false);

    const plain = await summary();
    expect(plain).toMatchObject({ as_reviewed: false, passed_count: before.passed_count });
    const reviewed = await summary('as_reviewed=true');
    expect(reviewed.as_reviewed).toBe(true);
    expect(reviewed.passed_count).toBe(before.passed_count + 1);
    expect(reviewed.answer.correct).toBe(before.answer.correct + 1);
    expect(reviewed.quality.pass_count).toBe(before.quality.pass_count + 1);
  });

  it('refuses malformed reviews', async () => {
    const r = resultOf(1, 2);
    expectError(await review(r.id, { decision: 'maybe' }), 400, 'VALIDATION_ERROR');
    expectError(await review(r.id, { decision: 'override' }), 400, 'VALIDATION_ERROR');
    expectError(await review(r.id, { decision: 'override', override: {} }), 400, 'VALIDATION_ERROR');
    expectError(await review(r.id, { decision: 'override', override: { quality_score: 99 } }), 400, 'VALIDATION_ERROR');
    expectError(await review(r.id, { decision: 'override', override: { criteria_scores: { nope: 3 } } }), 400, 'VALIDATION_ERROR');
    expectError(await review(r.id, { decision: 'accept', override: { answer_correct: true } }), 400, 'VALIDATION_ERROR');
    expectError(await h.http.get(`/api/v1/eval/runs/${runId}/review-queue?max_score=abc`).set(bearer(A.viewer)), 400, 'VALIDATION_ERROR');
  });

  it('needs a member to review, and hides other orgs and other runs', async () => {
    const r = resultOf(2, 1);
    expectError(await review(r.id, { decision: 'accept' }, A.viewer), 403, 'FORBIDDEN');
    expectError(await review(r.id, { decision: 'accept' }, B.member), 404, 'NOT_FOUND');
    expectError(await h.http.get(`/api/v1/eval/runs/${runId}/review-queue`).set(bearer(B.viewer)), 404, 'NOT_FOUND');
    const other = (await executedRun()).runId;
    expectError(await review(r.id, { decision: 'accept' }, A.member, other), 404, 'NOT_FOUND');
  });
});
