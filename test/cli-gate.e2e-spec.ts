import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseInput, CliCall, CliStack, expectExit, githubFiles, rightAnswer, show, startCliStack, tempDir } from './support/cli-runner';
import { createAgent, expectSuccess, UUID_RE } from './support/e2e-helpers';
import { bearer, uniqueName } from './support/harness';

/**
 * The release gate as a CI job runs it: the `greenlight` CLI (the built program, in a process of its
 * own) against the real api and worker. A golden set is uploaded, a baseline run promoted, and
 * candidate runs of the same set (from a local agent whose wrong answers the test chooses) are gated.
 * What the CLI claims (exit codes, step outputs, the step summary) is checked against the api's own
 * records of the same runs and compares.
 */
describe('greenlight CLI: upload, run, promote and gate a candidate', () => {
  const N = 20;
  const TAG = 'gate';
  let s: CliStack;
  let dir: string;
  let agentId: string;
  let setId: string;
  const runs: Record<'baseline' | 'same' | 'regressed' | 'few', string> = { baseline: '', same: '', regressed: '', few: '' };
  let labels = 0;

  const member = (args: string[], call: CliCall = {}) => s.cli.run(args, { ...call, env: { GREENLIGHT_API_KEY: s.keys.member, ...call.env } });
  /** The step-output and step-summary files of one CLI call. */
  const gh = () => githubFiles(dir, `step${++labels}`);
  const api = async (path: string) => expectSuccess(await s.h.http.get(path).set(bearer(s.keys.viewer)), 200);

  /** A run of the golden set through the CLI, followed to its end; returns the run id (from the step outputs). */
  async function runSet(name: string, wrongItems: number[]): Promise<string> {
    s.wrong.set(TAG, new Set(wrongItems));
    const step = gh();
    const r = expectExit(await member(['run', '--agent', agentId, '--golden-set', setId, '--name', name, '--poll-interval', '150'], { env: step.env }), 0);
    const out = step.outputs();
    expect(out.run_id).toMatch(UUID_RE);
    expect(out.run_status).toBe('completed');
    const summary = await api(`/api/v1/eval/runs/${out.run_id}/summary`);
    expect(summary).toMatchObject({ status: 'completed', result_count: N, passed_count: N - wrongItems.length });
    expect(Number(out.pass_rate)).toBeCloseTo(summary.pass_rate, 6);
    // the human summary names the run and its pass rate
    expect(r.stdout).toContain(out.run_id);
    expect(r.stdout).toContain(`${((summary.pass_rate as number) * 100).toFixed(1)}%`);
    // and the rest of the summary: answer and source rates, quality, errors, usage
    for (const measure of [/^\s*answer\b/m, /^\s*source\b/m, /^\s*quality\b/m, /^\s*errors\s+0$/m, /^\s*usage\s+20 agent calls/m])
      expect(r.stdout).toMatch(measure);
    return out.run_id;
  }

  const gate = (candidate: string, extra: string[] = [], call: CliCall = {}) => member(['gate', '--agent', agentId, '--candidate', candidate, ...extra], call);

  beforeAll(async () => {
    s = await startCliStack();
    dir = tempDir();
    agentId = (await createAgent(s.h, s.keys.member, { api_endpoint: s.agent.url })).id;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('upload: a csv golden set becomes a set of the agent with every row as a case', async () => {
    const file = join(dir, 'release-cases.csv');
    writeFileSync(file, ['question,expected_answer', ...Array.from({ length: N }, (_, i) => `${caseInput(TAG, i)},${rightAnswer(i)}`)].join('\n') + '\n');
    const step = gh();
    const r = expectExit(await member(['upload', file, '--agent', agentId], { env: step.env }), 0);
    const out = step.outputs();
    expect(out.golden_set_id).toMatch(UUID_RE);
    expect(out.case_count).toBe(String(N));
    setId = out.golden_set_id;
    expect(r.stdout).toContain(setId);
    const set = await api(`/api/v1/golden-sets/${setId}`);
    // default name: the file's base name
    expect(set).toMatchObject({ id: setId, agent_id: agentId });
    expect(set.name).toMatch(/^release-cases(\.csv)?$/);
  });

  it('run the baseline (every answer right) and promote it: the first baseline needs no compare', async () => {
    runs.baseline = await runSet('baseline', []);
    const step = gh();
    const r = expectExit(await member(['promote', '--agent', agentId, '--candidate', runs.baseline, '--name', 'release-1'], { env: step.env }), 0);
    expect(step.outputs()).toMatchObject({ promoted: 'true', baseline_name: 'release-1', baseline_run_id: runs.baseline });
    expect(step.summary().length).toBeGreaterThan(0);
    expect(r.stdout).toContain('release-1');
    const active = await api(`/api/v1/agents/${agentId}/run-registry/resolve?kind=baseline&ref=active`);
    expect(active).toMatchObject({ run_id: runs.baseline, entry: { name: 'release-1', is_active: true } });
  });

  it('a candidate that answers like the baseline passes the gate (exit 0, verdict pass)', async () => {
    runs.same = await runSet('same answers', []);
    const step = gh();
    const r = expectExit(await gate(runs.same, [], { env: step.env }), 0);
    const out = step.outputs();
    expect(out).toMatchObject({ verdict: 'pass', compare_verdict: 'no_significant_change', regression_count: '0' });
    expect(out).toMatchObject({ baseline_run_id: runs.baseline, candidate_run_id: runs.same });
    const stored = await api(`/api/v1/eval/compares/${out.compare_id}`);
    expect(stored).toMatchObject({ baseline_run_id: runs.baseline, candidate_run_id: runs.same, regression_count: 0, verdict: 'no_significant_change' });
    expect(r.stdout.toLowerCase()).toContain('pass');
  });

  it('a regressed candidate fails the gate (exit 1): step summary with rates, deltas, p-values and linked cases; outputs', async () => {
    const wrongItems = [0, 1, 2, 3, 4, 5, 6, 7]; // 8 of 20 lost, none gained: exact McNemar p = 2/2^8
    runs.regressed = await runSet('regressed', wrongItems);
    const step = gh();
    // an earlier step of the job wrote to both files: the CLI appends
    writeFileSync(step.env.GITHUB_OUTPUT, 'earlier=1\n');
    writeFileSync(step.env.GITHUB_STEP_SUMMARY, '# Earlier step\n');
    const r = expectExit(await gate(runs.regressed, [], { env: step.env }), 1);
    const out = step.outputs();
    expect(out).toMatchObject({
      verdict: 'regressed',
      compare_verdict: 'regressed',
      regression_count: '8',
      baseline_run_id: runs.baseline,
      candidate_run_id: runs.regressed,
    });
    expect(out.compare_id).toMatch(UUID_RE);
    const stored = await api(`/api/v1/eval/compares/${out.compare_id}`);
    expect(stored).toMatchObject({ verdict: 'regressed', regression_count: 8, candidate_run_id: runs.regressed });

    expect(out.earlier).toBe('1');
    const md = step.summary();
    expect(md.startsWith('# Earlier step\n')).toBe(true);
    // the pass-rate line: baseline 100%, candidate 60%, difference −40 points; the McNemar p-value, 2/256
    expect(md).toMatch(/^[^\n]*pass rate[^\n]*100\.0%[^\n]*60\.0%[^\n]*[−-]40\.0 pp/im);
    expect(md).toMatch(/McNemar[^\n]*p = 0\.008/);
    expect(md).toMatch(/regressed/);
    expect(r.stdout).toMatch(/^[^\n]*pass rate[^\n]*100\.0%[^\n]*60\.0%[^\n]*[−-]40\.0 pp/im);
    const regressedCases: string[] = stored.regressions.map((c: { candidate_case_id: string }) => c.candidate_case_id);
    expect(regressedCases).toHaveLength(8);
    for (const caseId of regressedCases) expect(md).toContain(`${s.url}/api/v1/eval/runs/${runs.regressed}/results?case_id=${caseId}`);
    // the links lead to the failed results
    const linked = await api(`/api/v1/eval/runs/${runs.regressed}/results?case_id=${regressedCases[0]}`);
    expect(linked.items).toHaveLength(1);
    expect(linked.items[0]).toMatchObject({ case_id: regressedCases[0], passed: false });
    expect(r.stdout).toContain(out.compare_id);

    // --json: the same decision as one document on stdout, still exit 1
    const doc = expectExit(await gate(runs.regressed, ['--json']), 1).json();
    expect(doc).toMatchObject({ verdict: 'regressed', compare: { verdict: 'regressed', regression_count: 8, candidate_run_id: runs.regressed } });
    expect(doc.compare.id).toMatch(UUID_RE);
    expect(doc.compare.id).not.toBe(out.compare_id); // every gate stores a compare of its own
    expect(doc.reasons).toEqual([expect.stringContaining('8')]);
  });

  it('--require-significance: two lost cases are not significant, so that gate passes while the plain gate fails', async () => {
    runs.few = await runSet('two wrong', [3, 11]); // McNemar p = 0.5
    const plainStep = gh();
    const plain = expectExit(await gate(runs.few, [], { env: plainStep.env }), 1);
    expect(plainStep.outputs()).toMatchObject({ verdict: 'regressed', compare_verdict: 'no_significant_change', regression_count: '2' });
    expect(plain.stdout + plainStep.summary()).toMatch(/2 regress/i);

    const sigStep = gh();
    expectExit(await gate(runs.few, ['--require-significance'], { env: sigStep.env }), 0);
    expect(sigStep.outputs()).toMatchObject({ verdict: 'pass', compare_verdict: 'no_significant_change', regression_count: '2' });

    const allowedStep = gh();
    expectExit(await gate(runs.few, ['--max-regressions', '2'], { env: allowedStep.env }), 0);
    expect(allowedStep.outputs()).toMatchObject({ verdict: 'pass', regression_count: '2' });
    expectExit(await gate(runs.few, ['--max-regressions', '1']), 1);

    // --alpha reaches the paired tests: eight lost cases (p = 0.008) are not significant at 0.001
    const strictStep = gh();
    expectExit(await gate(runs.regressed, ['--require-significance', '--alpha', '0.001'], { env: strictStep.env }), 0);
    expect(strictStep.outputs()).toMatchObject({ verdict: 'pass', compare_verdict: 'no_significant_change', regression_count: '8' });
    expectExit(await gate(runs.regressed, ['--require-significance']), 1);
  });

  it('thresholds fail a gate that significance alone would pass, each with its reason', async () => {
    // the candidate: pass rate 0.9, delta −0.1 against the baseline
    // each reason names its threshold: a line of the text or summary with the measure and the limit
    const failing: [string[], RegExp, RegExp][] = [
      [['--min-pass-rate', '0.95'], /pass rate/i, /95(\.0)?\s?%|0\.95/],
      [['--max-pass-rate-drop', '0.05'], /pass rate|drop/i, /5(\.0)?\s?pp|5(\.0)?\s?%|0\.05/],
      [['--non-inferiority-margin', '0.02'], /margin|non-inferiority/i, /2(\.0)?\s?%|0\.02|2(\.0)?\s?pp/],
    ];
    for (const [flags, measure, limit] of failing) {
      const step = gh();
      const r = await gate(runs.few, ['--require-significance', ...flags], { env: step.env });
      expect({ flags, code: r.code }).toEqual({ flags, code: 1 });
      expect(step.outputs()).toMatchObject({ verdict: 'regressed', compare_verdict: 'no_significant_change' });
      for (const [where, text] of [
        ['stdout', r.stdout],
        ['summary', step.summary()],
      ]) {
        if (!text.split('\n').some((line) => measure.test(line) && limit.test(line)))
          throw new Error(`${where} of gate ${flags.join(' ')} gives no reason naming ${measure} and ${limit}\n${show(r)}\n--- summary\n${step.summary()}`);
      }
    }
    // the same thresholds, met
    for (const flags of [
      ['--min-pass-rate', '0.9'],
      ['--max-pass-rate-drop', '0.2'],
      ['--min-pass-rate', '0.5', '--max-pass-rate-drop', '0.1'],
    ]) {
      const r = await gate(runs.few, ['--require-significance', ...flags]);
      expect({ flags, code: r.code, out: r.code === 0 ? '' : show(r) }).toEqual({ flags, code: 0, out: '' });
    }
  });

  it('compare by run ids and by references prints the verdict; it exits 0 even when the candidate regressed', async () => {
    const step = gh();
    const direct = expectExit(await member(['compare', '--baseline', runs.baseline, '--candidate', runs.regressed], { env: step.env }), 0);
    const out = step.outputs();
    expect(out).toMatchObject({ verdict: 'regressed', regression_count: '8' });
    expect((await api(`/api/v1/eval/compares/${out.compare_id}`)).candidate_run_id).toBe(runs.regressed);
    expect(direct.stdout).toContain('regressed');
    expect(direct.stdout).toContain('0.008');
    const storedDirect = await api(`/api/v1/eval/compares/${out.compare_id}`);
    for (const c of storedDirect.regressions) expect(direct.stdout).toContain(c.case_id);

    // reference mode: the active baseline (the default) against the newest completed run
    const byRef = expectExit(await member(['compare', '--agent', agentId, '--candidate', 'latest', '--json']), 0).json();
    expect(byRef).toMatchObject({
      mode: 'reference',
      baseline_ref: 'active',
      candidate_ref: 'latest',
      baseline_run_id: runs.baseline,
      candidate_run_id: runs.few,
      regression_count: 2,
      verdict: 'no_significant_change',
    });
    expect(await api(`/api/v1/eval/compares/${byRef.id}`)).toMatchObject({ id: byRef.id, regression_count: 2 });

    // a run that has not finished cannot be compared: the api's error, exit 2
    const pending = expectSuccess(
      await s.h.http.post('/api/v1/eval/runs').set(bearer(s.keys.member)).send({ agent_id: agentId, golden_set_id: setId }),
      202,
    ).id;
    const early = expectExit(await member(['compare', '--baseline', runs.baseline, '--candidate', pending]), 2);
    expect(early.stderr).toMatch(/^error: EVAL_COMPARE_RUN_NOT_COMPLETED: .*\(HTTP \d{3}, request id \S+\)$/m);
    expectExit(await gate(pending), 2);
  });

  it('promote: a candidate with regressions is blocked (exit 1, reason); a candidate with a clean gate is promoted', async () => {
    const step = gh();
    const blocked = expectExit(await member(['promote', '--agent', agentId, '--candidate', runs.few], { env: step.env }), 1);
    expect(step.outputs()).toMatchObject({ promoted: 'false' });
    expect(blocked.stdout + blocked.stderr).toMatch(/regressions_found|regressed case/);
    const blockedJson = expectExit(await member(['promote', '--agent', agentId, '--candidate', runs.few, '--json']), 1).json();
    expect(blockedJson).toMatchObject({ promoted: false, code: 'RUN_REGISTRY_PROMOTION_BLOCKED', details: { reason: 'regressions_found' } });
    // significance mode with a margin: two lost cases of twenty leave the pass-rate interval far below −2 points
    const sigStep = gh();
    const notShown = expectExit(
      await member(['promote', '--agent', agentId, '--candidate', runs.few, '--require-significance', '--non-inferiority-margin', '0.02'], {
        env: sigStep.env,
      }),
      1,
    );
    expect(sigStep.outputs()).toMatchObject({ promoted: 'false' });
    expect(notShown.stdout).toContain('non_inferiority_not_shown');
    expect((await api(`/api/v1/agents/${agentId}/run-registry/resolve?kind=baseline&ref=active`)).run_id).toBe(runs.baseline);

    const okStep = gh();
    // a name with a line break (the api allows inner ones) goes to the outputs in a heredoc block
    const name = 'release-2\nhotfix';
    expectExit(await member(['promote', '--agent', agentId, '--candidate', runs.same, '--name', name], { env: okStep.env }), 0);
    expect(okStep.outputs()).toMatchObject({ promoted: 'true', baseline_name: name, baseline_run_id: runs.same });
    const block = /^baseline_name<<(.+)\nrelease-2\nhotfix\n\1$/m.exec(okStep.outputsText());
    expect(block).not.toBeNull();
    expect(block![1].length).toBeGreaterThanOrEqual(16); // a random delimiter, not a fixed word a value could hold
    expect((await api(`/api/v1/agents/${agentId}/run-registry/resolve?kind=baseline&ref=active`)).run_id).toBe(runs.same);
  });

  it('gate by reference against the new baseline; without any baseline, --allow-missing-baseline passes as no_baseline', async () => {
    // the newest completed run is the two-wrong candidate; the active baseline is now the same-answers run
    const step = gh();
    expectExit(await gate('latest', [], { env: step.env }), 1);
    expect(step.outputs()).toMatchObject({ baseline_run_id: runs.same, candidate_run_id: runs.few, regression_count: '2' });
    // an explicit baseline run instead of the active one
    const explicit = gh();
    expectExit(await gate(runs.same, ['--baseline', runs.baseline], { env: explicit.env }), 0);
    expect(explicit.outputs()).toMatchObject({ verdict: 'pass', baseline_run_id: runs.baseline, candidate_run_id: runs.same });

    const fresh = (await createAgent(s.h, s.keys.member, { api_endpoint: s.agent.url, name: uniqueName('No baseline') })).id;
    const file = join(dir, 'fresh.json');
    writeFileSync(file, JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ input: caseInput('fresh', i), expected_answer: rightAnswer(i) }))));
    const upStep = gh();
    expectExit(await member(['upload', file, '--agent', fresh], { env: upStep.env }), 0);
    const runStep = gh();
    expectExit(await member(['run', '--agent', fresh, '--golden-set', upStep.outputs().golden_set_id, '--poll-interval', '150'], { env: runStep.env }), 0);
    const candidate = runStep.outputs().run_id;

    const missing = expectExit(await member(['gate', '--agent', fresh, '--candidate', candidate]), 2);
    expect(missing.stderr).toMatch(/^error: [A-Z_]+: /m);
    const allowStep = gh();
    expectExit(await member(['gate', '--agent', fresh, '--candidate', candidate, '--allow-missing-baseline'], { env: allowStep.env }), 0);
    expect(allowStep.outputs()).toMatchObject({ verdict: 'no_baseline', candidate_run_id: candidate });
  });

  it('a golden set uploaded anew pairs with nothing: the gate fails on paired_cases unless --min-paired-cases 0', async () => {
    // the same cases in a new file are new cases (new ids): none pairs with the active baseline's
    const file = join(dir, 'anew.json');
    writeFileSync(file, JSON.stringify(Array.from({ length: N }, (_, i) => ({ input: caseInput(TAG, i), expected_answer: rightAnswer(i) }))));
    const upStep = gh();
    expectExit(await member(['upload', file, '--agent', agentId], { env: upStep.env }), 0);
    s.wrong.set(TAG, new Set());
    const runStep = gh();
    expectExit(await member(['run', '--agent', agentId, '--golden-set', upStep.outputs().golden_set_id, '--poll-interval', '150'], { env: runStep.env }), 0);
    const candidate = runStep.outputs().run_id;

    const step = gh();
    const r = expectExit(await gate(candidate, ['--require-significance'], { env: step.env }), 1);
    expect(step.outputs()).toMatchObject({ verdict: 'regressed', compare_verdict: 'inconclusive', regression_count: '0' });
    expect(r.stdout).toContain('FAIL paired_cases: 0 paired cases, at least 1 required');
    expect(step.summary()).toContain('❌ `paired_cases`');
    const off = gh();
    expectExit(await gate(candidate, ['--require-significance', '--min-paired-cases', '0'], { env: off.env }), 0);
    expect(off.outputs()).toMatchObject({ verdict: 'pass', compare_verdict: 'inconclusive' });
  });
});
