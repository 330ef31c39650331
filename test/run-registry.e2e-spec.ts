import { DataSource } from 'typeorm';
import { Clock } from '@greenlight/platform';
import { expectError, expectSuccess, expectValidation, MISSING_UUID } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

/**
 * The run registry and the promote gate. Runs are created through the API and then marked completed
 * with SQL (the registry only reads their status and times; no agent needs to answer). Compares are
 * inserted into eval_compares with SQL so each test sets exactly the age and counts the gate reads; one
 * test executes real runs and stores its compare through the compare endpoint.
 */
describe('run registry and promote gate', () => {
  let h: ApiHarness;
  let db: DataSource;
  let o: OrgKeys;
  let other: OrgKeys;

  const post = (key: string, path: string, body: unknown) =>
    h.http
      .post(path)
      .set(bearer(key))
      .send(body as object);
  const get = (key: string, path: string, query: Record<string, unknown> = {}) => h.http.get(path).query(query).set(bearer(key));
  const reg = (agentId: string) => `/api/v1/agents/${agentId}/run-registry`;

  async function newAgent(keys: OrgKeys): Promise<{ id: string; setId: string }> {
    const id = expectSuccess(await post(keys.member, '/api/v1/agents', { name: uniqueName('Agent'), agent_type: 'search_retrieval' }), 201).id;
    const up = await post(keys.member, '/api/v1/golden-sets/upload', { agent_id: id, name: uniqueName('Set'), cases: [{ input: 'q', expected_answer: 'a' }] });
    return { id, setId: expectSuccess(up, 201).golden_set.id };
  }

  /** A run of the agent; completed (with the given completion time) unless `pending`. */
  async function newRun(keys: OrgKeys, agent: { id: string; setId: string }, opts: { pending?: boolean; completedAt?: string } = {}): Promise<string> {
    const id = expectSuccess(await post(keys.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: agent.setId }), 202).id;
    if (opts.pending) return id;
    await db.query(`UPDATE eval_runs SET status = 'running', started_at = now() WHERE id = $1`, [id]);
    await db.query(`UPDATE eval_runs SET status = 'completed', completed_at = COALESCE($2::timestamptz, now()) WHERE id = $1`, [id, opts.completedAt ?? null]);
    return id;
  }

  interface CompareRow {
    regressions?: number;
    verdict?: string;
    lower?: number | null;
    ageMinutes?: number;
  }

  /**
   * Deltas and statistics shaped as the api stores them: other test files list every org's compares
   * and check each answer against the document. `lower: null` stores a compare without a pass-rate
   * interval, which the api never writes; that row is removed again by its test.
   */
  function storedEvidence(c: CompareRow) {
    const regressions = c.regressions ?? 0;
    const rate = (lower: number) => ({
      paired_cases: 10,
      baseline: 0.9,
      candidate: 0.9,
      delta: 0,
      lower,
      upper: 0.01,
      confidence: 0.95,
      method: 'newcombe_paired_score',
    });
    const bootstrap = { mean: 0, lower: 0, upper: 0, confidence: 0.95, iterations: 2000, seed: 1 };
    const quality = { paired_cases: 0, baseline_average: null, candidate_average: null, bootstrap };
    const deltas = { confidence: 0.95, answer_rate: rate(-0.01), source_rate: rate(-0.01), pass_rate: rate(c.lower ?? -0.01), quality };
    const statistics = {
      pass_fail: { regressions, improvements: 0, discordant: regressions, p_value: 1, method: 'exact_binomial', both_pass: 10 - regressions, both_fail: 0 },
      scores: {
        paired_cases: 0,
        wilcoxon: { n: 0, n_nonzero: 0, w_plus: 0, w_minus: 0, statistic: 0, z: null, p_value: 1, method: 'exact' },
        sign_test: { positive: 0, negative: 0, zeros: 0, p_value: 1 },
        bootstrap_mean_difference: bootstrap,
      },
    };
    if (c.lower === null) return { deltas: {}, statistics };
    return { deltas, statistics };
  }

  async function storeCompare(orgId: string, agentId: string, baseline: string, candidate: string, c: CompareRow = {}): Promise<string> {
    const { deltas, statistics } = storedEvidence(c);
    const rows = await db.query(
      `INSERT INTO eval_compares (org_id, agent_id, baseline_run_id, candidate_run_id, mode, compared_case_count, unpaired_case_count,
         regression_count, improvement_count, verdict, alpha, deltas, statistics, body, created_at)
       VALUES ($1, $2, $3, $4, 'direct', 10, 0, $5, 0, $6, 0.05, $7, $8, '{}', now() - make_interval(mins => $9))
       RETURNING id`,
      [
        orgId,
        agentId,
        baseline,
        candidate,
        c.regressions ?? 0,
        c.verdict ?? 'no_significant_change',
        JSON.stringify(deltas),
        JSON.stringify(statistics),
        c.ageMinutes ?? 0,
      ],
    );
    return rows[0].id;
  }

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    [o, other] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(() => h.close());

  describe('entries', () => {
    it('upserts, lists and resolves named references; reserved names are refused', async () => {
      const agent = await newAgent(o);
      const [r1, r2] = [await newRun(o, agent), await newRun(o, agent)];
      const first = expectSuccess(await post(o.member, reg(agent.id), { kind: 'baseline', name: 'release-1', run_id: r1, notes: 'first' }), 200);
      expect(first).toMatchObject({ created: true, deactivated: null });
      expect(first.entry).toMatchObject({
        kind: 'baseline',
        name: 'release-1',
        run_id: r1,
        is_active: false,
        notes: 'first',
        agent_id: agent.id,
        org_id: o.org_id,
      });

      // The same name again repoints the entry and keeps the notes it was not given.
      const again = expectSuccess(await post(o.member, reg(agent.id), { kind: 'baseline', name: 'release-1', run_id: r2 }), 200);
      expect(again).toMatchObject({ created: false });
      expect(again.entry).toMatchObject({ id: first.entry.id, run_id: r2, notes: 'first' });

      const byName = expectSuccess(await get(o.viewer, `${reg(agent.id)}/resolve`, { kind: 'baseline', ref: 'release-1' }), 200);
      expect(byName).toMatchObject({ kind: 'baseline', ref: 'release-1', run_id: r2, entry: { id: first.entry.id } });
      expect(byName.run).toMatchObject({ id: r2, status: 'completed', golden_set_id: agent.setId });
      // A name belongs to its kind.
      expectError(await get(o.viewer, `${reg(agent.id)}/resolve`, { kind: 'candidate', ref: 'release-1' }), 404, 'NOT_FOUND');
      expectError(await get(o.viewer, `${reg(agent.id)}/resolve`, { kind: 'baseline', ref: 'nope' }), 404, 'NOT_FOUND');

      for (const name of ['active', 'current', 'latest', 'Latest', '', 'x'.repeat(101), ' padded ']) {
        expectValidation(await post(o.member, reg(agent.id), { kind: 'baseline', name, run_id: r1 }), ['name']);
      }
      expectValidation(await post(o.member, reg(agent.id), { kind: 'other', name: 'n', run_id: r1 }), ['kind']);

      const list = expectSuccess(await get(o.viewer, reg(agent.id)), 200);
      expect(list).toMatchObject({ total: 1, limit: 50, offset: 0 });
      expect(list.items[0]).toMatchObject({ id: first.entry.id, run_id: r2 });
    });

    it('keeps one active reference per kind; active, current and latest resolve by rule', async () => {
      const agent = await newAgent(o);
      const old = await newRun(o, agent, { completedAt: '2026-01-01T00:00:00Z' });
      const newest = await newRun(o, agent, { completedAt: '2026-06-01T00:00:00Z' });
      const middle = await newRun(o, agent, { completedAt: '2026-03-01T00:00:00Z' });
      await newRun(o, agent, { pending: true }); // created last, but not completed: never `latest`

      expectError(await get(o.viewer, `${reg(agent.id)}/resolve`, { kind: 'baseline', ref: 'active' }), 404, 'NOT_FOUND');
      const a = expectSuccess(await post(o.member, reg(agent.id), { kind: 'baseline', name: 'a', run_id: old, activate: true }), 200);
      expect(a).toMatchObject({ deactivated: null, entry: { is_active: true } });
      const cand = expectSuccess(await post(o.member, reg(agent.id), { kind: 'candidate', name: 'a', run_id: middle, activate: true }), 200);
      expect(cand.entry).toMatchObject({ kind: 'candidate', is_active: true });
      const b = expectSuccess(await post(o.member, reg(agent.id), { kind: 'baseline', name: 'b', run_id: middle, activate: true }), 200);
      expect(b.deactivated).toMatchObject({ id: a.entry.id, is_active: false });

      const active = expectSuccess(await get(o.viewer, reg(agent.id), { active: true }), 200);
      expect(active.items.map((e: any) => `${e.kind}:${e.name}`).sort()).toEqual(['baseline:b', 'candidate:a']);
      expect(expectSuccess(await get(o.viewer, reg(agent.id), { kind: 'baseline', active: false }), 200).items.map((e: any) => e.name)).toEqual(['a']);
      const rows = await db.query(`SELECT count(*)::int AS n FROM run_registry WHERE agent_id = $1 AND kind = 'baseline' AND is_active`, [agent.id]);
      expect(rows[0].n).toBe(1);

      for (const ref of ['active', 'current']) {
        expect(expectSuccess(await get(o.viewer, `${reg(agent.id)}/resolve`, { kind: 'baseline', ref }), 200)).toMatchObject({
          run_id: middle,
          entry: { id: b.entry.id },
        });
      }
      const latest = expectSuccess(await get(o.viewer, `${reg(agent.id)}/resolve`, { kind: 'baseline', ref: 'latest' }), 200);
      expect(latest).toMatchObject({ ref: 'latest', run_id: newest, entry: null, run: { id: newest, status: 'completed' } });

      // activate: false takes an entry out of service.
      expectSuccess(await post(o.member, reg(agent.id), { kind: 'candidate', name: 'a', run_id: middle, activate: false }), 200);
      expectError(await get(o.viewer, `${reg(agent.id)}/resolve`, { kind: 'candidate', ref: 'current' }), 404, 'NOT_FOUND');
    });

    it("refuses another agent's run (VALIDATION_ERROR on run_id), another org's run and agent (404), and viewers' writes", async () => {
      const agent = await newAgent(o);
      const sibling = await newAgent(o);
      const foreign = await newAgent(other);
      const mine = await newRun(o, agent);
      const siblingRun = await newRun(o, sibling);
      const foreignRun = await newRun(other, foreign);

      expectValidation(await post(o.member, reg(agent.id), { kind: 'baseline', name: 'x', run_id: siblingRun }), ['run_id']);
      expectError(await post(o.member, reg(agent.id), { kind: 'baseline', name: 'x', run_id: foreignRun }), 404, 'NOT_FOUND');
      expectError(await post(o.member, reg(agent.id), { kind: 'baseline', name: 'x', run_id: MISSING_UUID }), 404, 'NOT_FOUND');
      expectError(await post(o.member, reg(foreign.id), { kind: 'baseline', name: 'x', run_id: foreignRun }), 404, 'NOT_FOUND');
      expectError(await get(o.viewer, reg(foreign.id)), 404, 'NOT_FOUND');
      expectError(await get(o.viewer, `${reg(foreign.id)}/resolve`, { kind: 'baseline', ref: 'latest' }), 404, 'NOT_FOUND');
      expectError(await post(o.member, `${reg(foreign.id)}/promote-candidate`, { candidate_run_id: foreignRun }), 404, 'NOT_FOUND');
      expectValidation(await post(o.member, `${reg(agent.id)}/promote-candidate`, { candidate_run_id: siblingRun }), ['candidate_run_id']);

      expectError(await post(o.viewer, reg(agent.id), { kind: 'baseline', name: 'x', run_id: mine }), 403, 'FORBIDDEN');
      expectError(await post(o.viewer, `${reg(agent.id)}/promote-candidate`, { candidate_run_id: mine }), 403, 'FORBIDDEN');
      expect(expectSuccess(await get(o.viewer, reg(agent.id)), 200).total).toBe(0);
    });
  });

  describe('promote-candidate', () => {
    const promote = (agentId: string, body: Record<string, unknown>) => post(o.member, `${reg(agentId)}/promote-candidate`, body);

    it('the first promotion sets the baseline; later ones need a clean compare inside the window', async () => {
      const agent = await newAgent(o);
      const [base, cand] = [await newRun(o, agent), await newRun(o, agent)];

      const first = expectSuccess(await promote(agent.id, { candidate_run_id: base, name: 'v1' }), 200);
      expect(first).toMatchObject({
        previous_baseline: null,
        compare_id: null,
        gate: { reason: 'no_active_baseline', gate_mode: 'regression_count', window_minutes: 60 },
      });
      expect(first.entry).toMatchObject({ kind: 'baseline', name: 'v1', run_id: base, is_active: true, promoted_from_compare_id: null });

      // No compare of the pair at all.
      const none = expectError(await promote(agent.id, { candidate_run_id: cand }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
      expect(none.details).toMatchObject({
        reason: 'no_compare',
        compare_id: null,
        window_minutes: 60,
        gate_mode: 'regression_count',
        baseline_run_id: base,
        candidate_run_id: cand,
      });

      // A compare with regressions.
      const dirty = await storeCompare(o.org_id, agent.id, base, cand, { regressions: 2, verdict: 'regressed' });
      const regressed = expectError(await promote(agent.id, { candidate_run_id: cand }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
      expect(regressed.details).toMatchObject({ reason: 'regressions_found', compare_id: dirty, regression_count: 2 });

      // A clean compare, but older than the window: the newest compare is what counts.
      const stale = await storeCompare(o.org_id, agent.id, base, cand, { ageMinutes: 30 });
      await db.query(`DELETE FROM eval_compares WHERE id = $1`, [dirty]);
      const old = expectError(await promote(agent.id, { candidate_run_id: cand, clean_compare_window_minutes: 20 }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
      expect(old.details).toMatchObject({ reason: 'compare_outside_window', compare_id: stale, window_minutes: 20 });
      // A compare of the reverse pair is no evidence for this promotion.
      await storeCompare(o.org_id, agent.id, cand, base, {});
      expectError(await promote(agent.id, { candidate_run_id: cand, clean_compare_window_minutes: 20 }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
      expect(await activeBaselineRun(agent.id)).toBe(base);

      // The same compare inside a wider window lets the promotion through.
      const ok = expectSuccess(await promote(agent.id, { candidate_run_id: cand, clean_compare_window_minutes: 45 }), 200);
      expect(ok).toMatchObject({ compare_id: stale, gate: { reason: 'clean_compare', compare_id: stale, regression_count: 0 } });
      expect(ok.entry).toMatchObject({ name: `promoted-${cand.slice(0, 8)}`, run_id: cand, is_active: true, promoted_from_compare_id: stale });
      expect(ok.previous_baseline).toMatchObject({ id: first.entry.id, run_id: base, is_active: false });
      expect(await activeBaselineRun(agent.id)).toBe(cand);
      const events = await db.query(`SELECT metadata FROM activity_events WHERE agent_id = $1 AND event_type = 'run_registry_promoted' ORDER BY created_at`, [
        agent.id,
      ]);
      expect(events).toHaveLength(2);
      expect(events[1].metadata).toMatchObject({ run_id: cand, compare_id: stale, previous_baseline_run_id: base, gate_mode: 'regression_count' });

      // The active baseline cannot be promoted over itself.
      const self = expectError(await promote(agent.id, { candidate_run_id: cand }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
      expect(self.details.reason).toBe('candidate_is_active_baseline');
    });

    it('significance mode: a non-regressed verdict and a pass-rate lower bound above minus the margin', async () => {
      const agent = await newAgent(o);
      const base = await newRun(o, agent);
      expectSuccess(await promote(agent.id, { candidate_run_id: base }), 200);
      const cand = await newRun(o, agent);
      const sig = { candidate_run_id: cand, gate_mode: 'significance' };

      // Two cases regressed, yet not significantly and within the margin.
      const within = await storeCompare(o.org_id, agent.id, base, cand, { regressions: 2, lower: -0.015, ageMinutes: 3 });
      expect(expectError(await promote(agent.id, { candidate_run_id: cand }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED').details.reason).toBe('regressions_found');

      const wide = await storeCompare(o.org_id, agent.id, base, cand, { regressions: 2, lower: -0.05, ageMinutes: 2 });
      const notShown = expectError(await promote(agent.id, sig), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
      expect(notShown.details).toMatchObject({
        reason: 'non_inferiority_not_shown',
        compare_id: wide,
        gate_mode: 'significance',
        non_inferiority_margin: 0.02,
        pass_rate_lower: -0.05,
      });

      const regressed = await storeCompare(o.org_id, agent.id, base, cand, { regressions: 2, lower: 0, verdict: 'regressed', ageMinutes: 1 });
      expect(expectError(await promote(agent.id, sig), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED').details).toMatchObject({
        reason: 'verdict_regressed',
        compare_id: regressed,
      });
      const missing = await storeCompare(o.org_id, agent.id, base, cand, { lower: null });
      expect(expectError(await promote(agent.id, sig), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED').details).toMatchObject({
        reason: 'pass_rate_interval_missing',
        compare_id: missing,
      });

      await db.query(`DELETE FROM eval_compares WHERE id = ANY($1)`, [[regressed, missing]]);
      const wider = expectSuccess(await promote(agent.id, { ...sig, non_inferiority_margin: 0.1 }), 200);
      expect(wider).toMatchObject({ compare_id: wide, gate: { gate_mode: 'significance', non_inferiority_margin: 0.1, pass_rate_lower: -0.05 } });
      expect(within).toBeDefined();
    });

    it('promotes by candidate reference and validates the body', async () => {
      const agent = await newAgent(o);
      const [base, cand] = [await newRun(o, agent), await newRun(o, agent)];
      expectSuccess(await promote(agent.id, { candidate_run_id: base, name: 'prod' }), 200);
      expectSuccess(await post(o.member, reg(agent.id), { kind: 'candidate', name: 'rc-1', run_id: cand }), 200);
      const compareId = await storeCompare(o.org_id, agent.id, base, cand);
      const ok = expectSuccess(await promote(agent.id, { candidate_ref: 'rc-1', name: 'prod-2' }), 200);
      expect(ok).toMatchObject({ compare_id: compareId, entry: { name: 'prod-2', run_id: cand, promoted_from_compare_id: compareId } });
      expectError(await promote(agent.id, { candidate_ref: 'rc-unknown' }), 404, 'NOT_FOUND');

      const pending = await newRun(o, agent, { pending: true });
      expect(expectError(await promote(agent.id, { candidate_run_id: pending }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED').details.reason).toBe(
        'candidate_not_completed',
      );
      expectValidation(await promote(agent.id, {}), ['candidate_run_id']);
      expectValidation(await promote(agent.id, { candidate_run_id: cand, candidate_ref: 'rc-1' }), ['candidate_run_id']);
      expectValidation(await promote(agent.id, { candidate_run_id: cand, clean_compare_window_minutes: 0 }), ['clean_compare_window_minutes']);
      expectValidation(await promote(agent.id, { candidate_run_id: cand, clean_compare_window_minutes: 10081 }), ['clean_compare_window_minutes']);
      expectValidation(await promote(agent.id, { candidate_run_id: cand, gate_mode: 'vibes' }), ['gate_mode']);
      expectValidation(await promote(agent.id, { candidate_run_id: cand, non_inferiority_margin: 1.5 }), ['non_inferiority_margin']);
      expectValidation(await promote(agent.id, { candidate_run_id: cand, name: 'latest' }), ['name']);
    });

    it("reads the window on the product's clock", async () => {
      const agent = await newAgent(o);
      const [base, cand] = [await newRun(o, agent), await newRun(o, agent)];
      expectSuccess(await promote(agent.id, { candidate_run_id: base }), 200);
      const compareId = await storeCompare(o.org_id, agent.id, base, cand);
      const clock = jest.spyOn(h.app.get(Clock), 'now').mockReturnValue(Date.now() + 2 * 3_600_000);
      try {
        const late = expectError(await promote(agent.id, { candidate_run_id: cand }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
        expect(late.details).toMatchObject({ reason: 'compare_outside_window', compare_id: compareId });
        expectSuccess(await promote(agent.id, { candidate_run_id: cand, clean_compare_window_minutes: 180 }), 200);
      } finally {
        clock.mockRestore();
      }
    });

    it('concurrent promotions queue up: one wins, the other is judged against the new baseline', async () => {
      const agent = await newAgent(o);
      const base = await newRun(o, agent);
      expectSuccess(await promote(agent.id, { candidate_run_id: base }), 200);
      const candidates = [await newRun(o, agent), await newRun(o, agent), await newRun(o, agent)];
      for (const c of candidates) await storeCompare(o.org_id, agent.id, base, c);
      const answers = await Promise.all(candidates.map((c) => promote(agent.id, { candidate_run_id: c })));
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      for (const r of answers.filter((a) => a.status === 409)) expect(r.body.error.details.reason).toBe('no_compare');
      const winner = candidates[answers.findIndex((r) => r.status === 200)];
      expect(await activeBaselineRun(agent.id)).toBe(winner);
    });

    it('works on compares the compare endpoint stores (reference mode): zero regressions, but few cases show no non-inferiority', async () => {
      // No endpoint: the simulated executor answers every case with its expected answer, so both runs pass everything.
      const agent = await newAgent(o);
      const executed = async () => {
        const id = expectSuccess(await post(o.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: agent.setId }), 202).id;
        expect(expectSuccess(await post(o.member, `/api/v1/eval/runs/${id}/execute`, {}), 200).run.status).toBe('completed');
        return id as string;
      };
      const [base, cand] = [await executed(), await executed()];
      expectSuccess(await promote(agent.id, { candidate_run_id: base, name: 'prod' }), 200);
      expectSuccess(await post(o.member, reg(agent.id), { kind: 'candidate', name: 'rc', run_id: cand, activate: true }), 200);
      const compare = expectSuccess(await post(o.member, '/api/v1/eval/compares', { agent_id: agent.id, baseline_ref: 'active', candidate_ref: 'rc' }), 201);
      expect(compare).toMatchObject({ baseline_run_id: base, candidate_run_id: cand, regression_count: 0 });
      expect(compare.deltas.pass_rate.lower).toBeLessThan(-0.02);

      const sig = expectError(await promote(agent.id, { candidate_ref: 'active', gate_mode: 'significance' }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
      expect(sig.details).toMatchObject({ reason: 'non_inferiority_not_shown', compare_id: compare.id, pass_rate_lower: compare.deltas.pass_rate.lower });
      const ok = expectSuccess(await promote(agent.id, { candidate_ref: 'current' }), 200);
      expect(ok).toMatchObject({ compare_id: compare.id, entry: { run_id: cand, promoted_from_compare_id: compare.id }, previous_baseline: { name: 'prod' } });
    });

    it('a retried promotion with the same Idempotency-Key replays the answer and promotes once', async () => {
      const agent = await newAgent(o);
      const run = await newRun(o, agent);
      const send = () => post(o.member, `${reg(agent.id)}/promote-candidate`, { candidate_run_id: run }).set('Idempotency-Key', `promote-${run}`);
      const first = await send();
      const retry = await send();
      expect(retry.headers['idempotency-replayed']).toBe('true');
      expect(expectSuccess(retry, 200)).toEqual(expectSuccess(first, 200));
      const events = await db.query(`SELECT count(*)::int AS n FROM activity_events WHERE agent_id = $1 AND event_type = 'run_registry_promoted'`, [agent.id]);
      expect(events[0].n).toBe(1);
      // Without the key, the same request is a new promotion, refused: the run already is the baseline.
      expectError(await promote(agent.id, { candidate_run_id: run }), 409, 'RUN_REGISTRY_PROMOTION_BLOCKED');
    });

    async function activeBaselineRun(agentId: string): Promise<string> {
      return expectSuccess(await get(o.viewer, `${reg(agentId)}/resolve`, { kind: 'baseline', ref: 'active' }), 200).run_id;
    }
  });
});
