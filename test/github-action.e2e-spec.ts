import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { evaluate, ExprContext, interpolate, stepCondition } from './support/action-expressions';
import { ActionResult, GitHubRunContext, loadAction, runAction } from './support/action-runner';
import { startTestAgent, TestAgent } from './support/agent-server';
import { UUID_RE } from './support/e2e-helpers';
import { ApiHarness, bearer, OrgKeys, serveApi, uniqueName } from './support/harness';

/**
 * The Greenlight gate action (.github/actions/greenlight-gate): its structure, its scripts on their own,
 * and its steps run the way a runner runs them (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_PATH as
 * temp files) against the real api and worker, with a local agent whose answers the test controls.
 */

const REPO_ROOT = resolve(__dirname, '..');
const ACTION_DIR = join(REPO_ROOT, '.github', 'actions', 'greenlight-gate');
const CLI_MAIN = join(REPO_ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

/** Runs one of the action's scripts with bash, as its step would, and reads its GITHUB_OUTPUT back. */
function runScript(script: string, env: Record<string, string>, pathPrefix?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gl-script-'));
  try {
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const res = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(ACTION_DIR, script)], {
      env: {
        PATH: pathPrefix ? `${pathPrefix}:${process.env.PATH}` : process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_ACTION_PATH: ACTION_DIR,
        GITHUB_OUTPUT: output,
        ...env,
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, output: readFileSync(output, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('GitHub Action: structure and scripts', () => {
  const meta = loadAction(ACTION_DIR);
  const text = readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8');

  it('run steps are bash calling a script next to action.yml; inputs reach scripts only through env', () => {
    const runSteps = meta.runs.steps.filter((s) => s.run !== undefined);
    expect(runSteps.map((s) => s.id ?? s.name)).toEqual(['Install the Greenlight CLI', 'decide', 'upload', 'run', 'gate', 'promote']);
    for (const step of runSteps) {
      expect(step.shell).toBe('bash');
      // no expression inside a script body: an input could inject shell code there
      expect(step.run).not.toContain('${{');
      const script = /^bash "\$GITHUB_ACTION_PATH\/([a-z-]+\.sh)"$/.exec(step.run!.trim())?.[1];
      expect(script).toBeDefined();
      expect(existsSync(join(ACTION_DIR, script!))).toBe(true);
    }
    // the only `uses:` step sets up Node
    expect(meta.runs.steps.filter((s) => s.uses).map((s) => s.uses)).toEqual(['actions/setup-node@v4']);
    // the api key never reaches a step that does not call the api
    const keyed = runSteps.filter((s) => Object.values(s.env ?? {}).includes('${{ inputs.api-key }}')).map((s) => s.id);
    expect(keyed).toEqual(['upload', 'run', 'gate', 'promote']);
  });

  it('every expression names a declared input or an earlier step, and every output a step', () => {
    const ids = meta.runs.steps.map((s) => s.id).filter(Boolean);
    for (const [, name] of text.matchAll(/inputs\.([A-Za-z0-9_-]+)/g)) expect(Object.keys(meta.inputs)).toContain(name);
    meta.runs.steps.forEach((step, i) => {
      const earlier = meta.runs.steps.slice(0, i).map((s) => s.id);
      for (const [, id] of JSON.stringify(step).matchAll(/steps\.([A-Za-z0-9_-]+)\./g)) expect(earlier).toContain(id);
    });
    for (const [name, out] of Object.entries(meta.outputs)) {
      const id = /steps\.([A-Za-z0-9_-]+)\.outputs\./.exec(out.value)?.[1];
      expect([name, ids]).toEqual([name, expect.arrayContaining([id])]);
    }
    const required = Object.entries(meta.inputs)
      .filter(([, d]) => d.required)
      .map(([n]) => n);
    expect(required.sort()).toEqual(['agent-id', 'api-key', 'api-url', 'golden-set-file']);
  });

  it('the local runner reads expressions as a runner does (conditions, defaults, case-insensitive ==)', () => {
    const ctx = (jobFailed: boolean): ExprContext => ({
      contexts: { inputs: { promote: 'auto', 'api-url': 'http://x' }, steps: { decide: { outputs: { promote: 'true' } } }, github: { event_name: 'push' } },
      jobFailed,
    });
    expect(stepCondition("steps.decide.outputs.promote == 'true'", ctx(false))).toBe(true);
    // without a status function a condition holds only after successful steps
    expect(stepCondition("steps.decide.outputs.promote == 'true'", ctx(true))).toBe(false);
    expect(stepCondition("${{ always() && github.event_name == 'PUSH' }}", ctx(true))).toBe(true);
    expect(stepCondition(undefined, ctx(true))).toBe(false);
    expect(evaluate("steps.promote.outputs.promoted || 'false'", ctx(false))).toBe('false');
    expect(evaluate("!(inputs.promote != 'auto')", ctx(false))).toBe(true);
    expect(interpolate('${{ inputs.api-url }}/api, ${{ inputs.missing }}.', ctx(false))).toBe('http://x/api, .');
    expect(() => evaluate('toJSON(inputs)', ctx(false))).toThrow(/unsupported function/);
    expect(() => evaluate('secrets.KEY', ctx(false))).toThrow(/unsupported context/);
  });

  it('every script parses (bash -n)', () => {
    const scripts = readdirSync(ACTION_DIR).filter((f) => f.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    for (const s of scripts) {
      const res = spawnSync('bash', ['-n', join(ACTION_DIR, s)], { encoding: 'utf8' });
      expect([s, res.status, res.stderr]).toEqual([s, 0, '']);
    }
  });

  it('promotion: auto promotes only a push to the default branch; true and false override; anything else is an error', () => {
    const decide = (mode: string, event: string, ref: string) => {
      const r = runScript('decide-promotion.sh', { PROMOTE_MODE: mode, GITHUB_EVENT_NAME: event, GITHUB_REF: ref, DEFAULT_BRANCH: 'main' });
      return r.status === 0 ? r.output.trim() : `exit ${r.status}`;
    };
    expect(decide('auto', 'push', 'refs/heads/main')).toBe('promote=true');
    expect(decide('auto', 'push', 'refs/heads/feature')).toBe('promote=false');
    expect(decide('auto', 'push', 'refs/tags/main')).toBe('promote=false');
    expect(decide('auto', 'pull_request', 'refs/pull/7/merge')).toBe('promote=false');
    expect(decide('auto', 'schedule', 'refs/heads/main')).toBe('promote=false');
    expect(decide('auto', 'workflow_dispatch', 'refs/heads/main')).toBe('promote=false');
    expect(decide('true', 'pull_request', 'refs/pull/7/merge')).toBe('promote=true');
    expect(decide('false', 'push', 'refs/heads/main')).toBe('promote=false');
    expect(decide('yes', 'push', 'refs/heads/main')).toBe('exit 2');
  });

  it('empty optional inputs pass no flag; given ones pass theirs; a switch that is not true/false is an error', () => {
    const bin = mkdtempSync(join(tmpdir(), 'gl-stub-'));
    try {
      // a stand-in `greenlight` that prints its arguments, one a line
      writeFileSync(join(bin, 'greenlight'), '#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n');
      chmodSync(join(bin, 'greenlight'), 0o755);
      const empty = { AGENT_ID: 'a-1', CANDIDATE_RUN_ID: 'r-1', BASELINE: '', ALPHA: '', REQUIRE_SIGNIFICANCE: '', MAX_REGRESSIONS: '' };
      const gate = (env: Record<string, string>) => runScript('gate.sh', { ...empty, ...env }, bin);
      expect(gate({}).stdout.trim().split('\n')).toEqual(['gate', '--agent', 'a-1', '--candidate', 'r-1']);
      const full = gate({
        BASELINE: 'active',
        ALPHA: '0.1',
        REQUIRE_SIGNIFICANCE: 'true',
        MAX_REGRESSIONS: '2',
        NON_INFERIORITY_MARGIN: '0.03',
        MIN_PASS_RATE: '0.8',
        MAX_PASS_RATE_DROP: '0.05',
        ALLOW_MISSING_BASELINE: 'false',
      });
      expect(full.stdout.trim().split('\n')).toEqual([
        'gate',
        '--agent',
        'a-1',
        '--candidate',
        'r-1',
        '--baseline',
        'active',
        '--alpha',
        '0.1',
        '--require-significance',
        '--max-regressions',
        '2',
        '--non-inferiority-margin',
        '0.03',
        '--min-pass-rate',
        '0.8',
        '--max-pass-rate-drop',
        '0.05',
      ]);
      const bad = gate({ ALLOW_MISSING_BASELINE: 'yes' });
      expect(bad.status).toBe(2);
      expect(bad.stdout).toContain('input allow-missing-baseline must be "true" or "false"');
      expect(runScript('gate.sh', { AGENT_ID: 'a-1' }, bin).status).toBe(2);

      const run = runScript('run.sh', { AGENT_ID: 'a-1', GOLDEN_SET_ID: 'g-1', TRIALS: '3', WAIT_TIMEOUT_MINUTES: '' }, bin);
      expect(run.stdout.trim().split('\n')).toEqual(['run', '--agent', 'a-1', '--golden-set', 'g-1', '--trials', '3']);
      const promote = runScript('promote.sh', { AGENT_ID: 'a-1', CANDIDATE_RUN_ID: 'r-1', BASELINE_NAME: '', REQUIRE_SIGNIFICANCE: 'false' }, bin);
      expect(promote.stdout.trim().split('\n')).toEqual(['promote', '--agent', 'a-1', '--candidate', 'r-1']);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('GitHub Action: upload → run → gate → promote against the real api and worker', () => {
  const CASES = 10;
  let h: ApiHarness;
  let url: string;
  let keys: OrgKeys;
  let agent: TestAgent;
  let agentId: string;
  let workspace: string;
  let wrong = new Set<number>();

  const sha = (n: number) => `${n}`.repeat(40).slice(0, 40);
  const github = (over: Partial<GitHubRunContext>): GitHubRunContext => ({
    event_name: 'push',
    ref: 'refs/heads/main',
    sha: sha(1),
    repository: 'acme/support-bot',
    default_branch: 'main',
    workflow: 'greenlight-gate',
    run_number: 1,
    ...over,
  });
  const gate = (ctx: GitHubRunContext, inputs: Record<string, string> = {}) =>
    runAction({
      actionDir: ACTION_DIR,
      workspace,
      github: ctx,
      inputs: {
        'api-url': url,
        'api-key': keys.member,
        'agent-id': agentId,
        'golden-set-file': 'evals/golden-set.csv',
        'working-directory': 'agent',
        ...inputs,
      },
      // no config file of whoever runs the tests
      env: { GREENLIGHT_CONFIG: join(workspace, 'no-greenlight-config.json') },
      stepTimeoutMs: 45_000,
    });
  const activeBaseline = async () => {
    const res = await h.http.get(`/api/v1/agents/${agentId}/run-registry`).query({ kind: 'baseline', active: true }).set(bearer(keys.viewer)).expect(200);
    return res.body.data.items.map((e: { run_id: string }) => e.run_id);
  };
  const explain = (r: ActionResult) => `\n${r.transcript()}`;

  beforeAll(async () => {
    if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run npm run build first`);
    agent = await startTestAgent((input) => {
      const i = Number(/item (\d+)/.exec(input)?.[1] ?? -1);
      return { body: { output: wrong.has(i) ? 'No idea.' : `Item ${i} is a widget.` } };
    });
    ({ h, url, keys } = await serveApi());
    const created = await h.http
      .post('/api/v1/agents')
      .set(bearer(keys.member))
      .send({ name: uniqueName('Gated'), agent_type: 'search_retrieval', api_endpoint: agent.url })
      .expect(201);
    agentId = created.body.data.id;
    workspace = mkdtempSync(join(tmpdir(), 'gl-workspace-'));
    mkdirSync(join(workspace, 'agent', 'evals'), { recursive: true });
    const csv = ['question,expected_answer', ...Array.from({ length: CASES }, (_, i) => `What is item ${i}?,Item ${i} is a widget.`)].join('\n');
    writeFileSync(join(workspace, 'agent', 'evals', 'golden-set.csv'), csv + '\n');
  });
  afterAll(async () => {
    await h?.close();
    await agent?.close();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  let first: ActionResult;

  it('a push to main without a baseline passes as no_baseline and promotes its run', async () => {
    const modulesBefore = readdirSync(join(REPO_ROOT, 'node_modules')).length;
    first = await gate(github({}), { 'allow-missing-baseline': 'true' });
    expect([first.outcome, explain(first)]).toEqual(['success', expect.any(String)]);
    // install: node_modules and the build were there, so nothing was installed; the CLI went on PATH
    expect(first.pathAdded).toEqual([join(REPO_ROOT, 'apps', 'cli', 'bin')]);
    expect(first.steps[1].stdout).not.toMatch(/Installing|Building/);
    expect(readdirSync(join(REPO_ROOT, 'node_modules')).length).toBe(modulesBefore);
    expect(first.steps[0]).toMatchObject({ uses: 'actions/setup-node@v4', outcome: 'skipped' });

    expect(first.outputs).toMatchObject({ verdict: 'no_baseline', promoted: 'true', 'golden-set-reused': 'false', 'baseline-run-id': '' });
    expect(first.outputs['golden-set-id']).toMatch(UUID_RE);
    expect(first.outputs['candidate-run-id']).toMatch(UUID_RE);
    expect(first.step('promote').outcome).toBe('success');
    expect(first.step('promote').outputs.promoted).toBe('true');
    expect(await activeBaseline()).toEqual([first.outputs['candidate-run-id']]);

    // the golden set is named after the repository and commit, and carries its content hash
    const set = await h.http.get(`/api/v1/golden-sets/${first.outputs['golden-set-id']}`).set(bearer(keys.viewer)).expect(200);
    expect(set.body.data).toMatchObject({ name: `acme/support-bot@${sha(1).slice(0, 12)}`, case_count: CASES });
    expect(set.body.data.description).toMatch(/content-sha256=[0-9a-f]{64}/);
    const run = await h.http.get(`/api/v1/eval/runs/${first.outputs['candidate-run-id']}`).set(bearer(keys.viewer)).expect(200);
    expect(run.body.data).toMatchObject({ status: 'completed', golden_set_id: first.outputs['golden-set-id'] });

    // the job summary is Markdown written by the run, gate and promote steps
    expect(first.step('upload').summary).toBe(`Golden set \`${first.outputs['golden-set-id']}\` uploaded from \`evals/golden-set.csv\` (${CASES} cases).\n\n`);
    expect(first.step('gate').summary).toMatch(/^#+ /m);
    expect(first.summary).toContain(first.outputs['candidate-run-id']);
    expect(first.summary.length).toBeGreaterThan(first.step('gate').summary.length);
    // the key went to the CLI through the environment and was never printed
    expect(first.transcript()).not.toContain(keys.member);
  });

  it('a pull request with a good candidate passes; the unchanged golden set is reused; nothing is promoted', async () => {
    const pr = await gate(github({ event_name: 'pull_request', ref: 'refs/pull/7/merge', sha: sha(2), run_number: 2 }), { 'max-regressions': '0' });
    expect([pr.outcome, explain(pr)]).toEqual(['success', expect.any(String)]);
    expect(pr.outputs).toMatchObject({
      verdict: 'pass',
      promoted: 'false',
      'golden-set-reused': 'true',
      'golden-set-id': first.outputs['golden-set-id'],
      'baseline-run-id': first.outputs['candidate-run-id'],
      'regression-count': '0',
    });
    expect(pr.outputs['compare-id']).toMatch(UUID_RE);
    expect(pr.outputs['candidate-run-id']).not.toBe(first.outputs['candidate-run-id']);
    expect(pr.outputs['compare-verdict']).toMatch(/^(no_significant_change|inconclusive|improved)$/);
    expect(pr.step('upload').summary).toContain(`Golden set \`${first.outputs['golden-set-id']}\` reused (${CASES} cases`);
    expect(pr.step('decide').outputs.promote).toBe('false');
    expect(pr.step('promote').outcome).toBe('skipped');
    expect(await activeBaseline()).toEqual([first.outputs['candidate-run-id']]);
  });

  it('a regressed candidate fails the gate step (exit 1) with its evidence, and a push to main does not promote it', async () => {
    wrong = new Set([0, 1, 2, 3, 4, 5, 6]);
    try {
      const bad = await gate(github({ sha: sha(3), run_number: 3 }));
      expect([bad.outcome, explain(bad)]).toEqual(['failure', expect.any(String)]);
      const gateStep = bad.step('gate');
      expect(gateStep).toMatchObject({ outcome: 'failure', exitCode: 1 });
      expect(gateStep.outputFile).toMatch(/^verdict=regressed$/m);
      expect(gateStep.stdout).toContain('::error title=Greenlight gate::');
      expect(bad.outputs).toMatchObject({ verdict: 'regressed', promoted: 'false', 'regression-count': '7', 'golden-set-reused': 'true' });
      expect(bad.step('decide').outputs.promote).toBe('true');
      expect(bad.step('promote').outcome).toBe('skipped');
      expect(await activeBaseline()).toEqual([first.outputs['candidate-run-id']]);

      // the summary lists each regressed case with a link to its results
      const candidate = bad.outputs['candidate-run-id'];
      const results = await h.http.get(`/api/v1/eval/runs/${candidate}/results`).query({ limit: 50 }).set(bearer(keys.viewer)).expect(200);
      const failed: string[] = results.body.data.items.filter((r: { passed: boolean }) => r.passed === false).map((r: { case_id: string }) => r.case_id);
      expect(failed).toHaveLength(7);
      for (const caseId of failed) expect(gateStep.summary).toContain(`/api/v1/eval/runs/${candidate}/results?case_id=${caseId}`);
    } finally {
      wrong = new Set();
    }
  });

  it('a push that max-regressions lets through is not promoted (a promotion tolerates no regressed case): a warning, the job passes', async () => {
    wrong = new Set([0]);
    try {
      const tolerated = await gate(github({ sha: sha(5), run_number: 5 }), { 'max-regressions': '1' });
      expect([tolerated.outcome, explain(tolerated)]).toEqual(['success', expect.any(String)]);
      expect(tolerated.outputs).toMatchObject({ verdict: 'pass', promoted: 'false', 'regression-count': '1' });
      const promote = tolerated.step('promote');
      expect(promote).toMatchObject({ outcome: 'success', exitCode: 0 });
      expect(promote.outputs).toMatchObject({ promoted: 'false', blocked_reason: 'regressions_found' });
      expect(promote.stdout).toContain('::warning title=Greenlight gate::not promoted');
      expect(await activeBaseline()).toEqual([first.outputs['candidate-run-id']]);
    } finally {
      wrong = new Set();
    }
  });

  it('an api error stops the job at the upload (exit 2); nothing after it runs', async () => {
    const denied = await gate(github({ event_name: 'pull_request', ref: 'refs/pull/8/merge', sha: sha(4) }), { 'api-key': 'gl_00000000_not-a-real-key' });
    expect([denied.outcome, explain(denied)]).toEqual(['failure', expect.any(String)]);
    expect(denied.step('upload')).toMatchObject({ outcome: 'failure', exitCode: 2 });
    expect(denied.step('upload').stderr).toContain('UNAUTHORIZED');
    expect(['run', 'gate', 'promote'].map((id) => denied.step(id).outcome)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(denied.outputs).toMatchObject({ verdict: '', 'candidate-run-id': '', promoted: 'false' });
    expect(denied.transcript()).not.toContain('not-a-real-key');
  });
});
