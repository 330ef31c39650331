import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workbook } from 'exceljs';
import { caseInput, CliCall, CliStack, errorOf, expectExit, githubFiles, rightAnswer, startCliStack, tempDir } from './support/cli-runner';
import { createAgent, expectSuccess, UUID_RE, waitForRun, waitUntil } from './support/e2e-helpers';
import { bearer, uniqueName } from './support/harness';

/**
 * The `greenlight` CLI (the built program, in a process of its own) against the real api and worker:
 * agents, golden-set uploads in every format, runs, the launch gate, queue stats and bootstrap. The
 * release gate is in cli-gate.e2e-spec.ts, errors and configuration in cli-errors.e2e-spec.ts.
 */
describe('greenlight CLI against the real api', () => {
  let s: CliStack;
  let dir: string;
  let agentId: string;
  let labels = 0;

  const as =
    (key: string) =>
    (args: string[], call: CliCall = {}) =>
      s.cli.run(args, { ...call, env: { GREENLIGHT_API_KEY: key, ...call.env } });
  const member = (args: string[], call: CliCall = {}) => as(s.keys.member)(args, call);
  const gh = () => githubFiles(dir, `step${++labels}`);
  const api = async (path: string) => expectSuccess(await s.h.http.get(path).set(bearer(s.keys.viewer)), 200);
  const casesOf = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ input: caseInput(tag, i), expected_answer: rightAnswer(i) }));
  const storedInputs = async (setId: string) => (await api(`/api/v1/golden-sets/${setId}/cases?limit=200`)).items.map((c: { input: string }) => c.input).sort();

  beforeAll(async () => {
    s = await startCliStack();
    dir = tempDir();
    agentId = (await createAgent(s.h, s.keys.member, { api_endpoint: s.agent.url })).id;
  });
  afterAll(async () => {
    await s?.close();
  });
  describe('agents', () => {
    it('create (outputs agent_id), get and list, as text and as one JSON document', async () => {
      const name = uniqueName('CLI agent');
      const step = gh();
      const created = expectExit(
        await member(['agents', 'create', '--name', name, '--type', 'analysis', '--endpoint', s.agent.url, '--description', 'made by the CLI'], {
          env: step.env,
        }),
        0,
      );
      const id = step.outputs().agent_id;
      expect(id).toMatch(UUID_RE);
      expect(created.stdout).toContain(id);
      expect(await api(`/api/v1/agents/${id}`)).toMatchObject({ id, name, agent_type: 'analysis', api_endpoint: s.agent.url, description: 'made by the CLI' });

      const got = expectExit(await member(['agents', 'get', id, '--json']), 0).json();
      expect(got).toMatchObject({ id, name, api_endpoint: s.agent.url });

      const page = expectExit(await member(['--json', 'agents', 'list', '--limit', '1']), 0).json();
      expect(page).toMatchObject({ limit: 1, offset: 0 });
      expect(page.items).toHaveLength(1);
      expect(page.total).toBeGreaterThanOrEqual(2);
      const all = expectExit(await member(['agents', 'list', '--all', '--json']), 0).json();
      expect(all.items.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining([id, agentId]));
      expect(all.items).toHaveLength(page.total);

      const second = expectExit(await member(['agents', 'list', '--limit', '1', '--offset', '1', '--json']), 0).json();
      expect(second).toMatchObject({ limit: 1, offset: 1, total: page.total });
      expect(second.items[0].id).not.toBe(page.items[0].id);

      const text = expectExit(await member(['agents', 'list']), 0);
      expect(text.stdout).toContain(name);
      expect(() => JSON.parse(text.stdout)).toThrow();
      // the executable on PATH answers the same
      const viaBin = expectExit(await member(['agents', 'get', id, '--json'], { bin: true }), 0).json();
      expect(viaBin).toEqual(got);
    });
  });

  describe('upload', () => {
    it('csv, jsonl, xlsx and json files become golden sets with every case (outputs golden_set_id, case_count)', async () => {
      const files: [string, number][] = [];
      const csv = join(dir, 'cases.csv');
      writeFileSync(csv, ['question,expected_answer', ...casesOf('csv', 4).map((c) => `${c.input},${c.expected_answer}`)].join('\n') + '\n');
      files.push([csv, 4]);
      const jsonl = join(dir, 'cases.jsonl');
      writeFileSync(
        jsonl,
        casesOf('jsonl', 5)
          .map((c) => JSON.stringify(c))
          .join('\n') + '\n',
      );
      files.push([jsonl, 5]);
      const xlsx = join(dir, 'cases.xlsx');
      const book = new Workbook();
      const sheet = book.addWorksheet('cases');
      sheet.addRow(['input', 'expected_answer']);
      for (const c of casesOf('xlsx', 6)) sheet.addRow([c.input, c.expected_answer]);
      await book.xlsx.writeFile(xlsx);
      files.push([xlsx, 6]);
      const jsonArray = join(dir, 'cases-array.json');
      writeFileSync(jsonArray, JSON.stringify(casesOf('json-array', 3)));
      files.push([jsonArray, 3]);
      const jsonObject = join(dir, 'cases-object.json');
      writeFileSync(jsonObject, JSON.stringify({ cases: casesOf('json-object', 2) }));
      files.push([jsonObject, 2]);

      for (const [file, n] of files) {
        const step = gh();
        const r = expectExit(await member(['upload', file, '--agent', agentId], { env: step.env }), 0);
        const out = step.outputs();
        expect({ file, case_count: out.case_count }).toEqual({ file, case_count: String(n) });
        expect(r.stdout).toContain(out.golden_set_id);
        const set = await api(`/api/v1/golden-sets/${out.golden_set_id}`);
        expect(set.agent_id).toBe(agentId);
        const tag = /cases(?:-(array|object))?\.(\w+)$/.exec(file)!;
        const expected = casesOf(tag[1] ? `json-${tag[1]}` : tag[2], n)
          .map((c) => c.input)
          .sort();
        expect(await storedInputs(out.golden_set_id)).toEqual(expected);
      }
    });

    it('--json gives the golden set, the case count and the validation report; --format and --name override', async () => {
      const file = join(dir, 'cases.txt');
      writeFileSync(file, ['prompt,answer,notes', ...casesOf('txt', 3).map((c) => `${c.input},${c.expected_answer},x`)].join('\n'));
      const doc = expectExit(await member(['upload', file, '--agent', agentId, '--format', 'csv', '--name', 'named set', '--json']), 0).json();
      expect(doc.golden_set).toMatchObject({ agent_id: agentId, name: 'named set' });
      expect(doc.golden_set.id).toMatch(UUID_RE);
      expect(doc.case_count).toBe(3);
      expect(doc.validation_report).toMatchObject({ format: 'csv', total_rows: 3, accepted_rows: 3, rejected_rows: 0, ignored_columns: ['notes'] });
      // no format from the extension, none given: a usage error, nothing sent
      const unknown = expectExit(await member(['upload', file, '--agent', agentId]), 2);
      expect(errorOf(unknown.stderr).code).toBe('USAGE');
    });

    it('a file with some bad rows is stored without them (exit 0); the text report names the rejected rows', async () => {
      const file = join(dir, 'partly.jsonl');
      const good = casesOf('partly', 3);
      writeFileSync(
        file,
        [JSON.stringify(good[0]), JSON.stringify({ expected_answer: 'no input' }), JSON.stringify(good[1]), JSON.stringify(good[2])].join('\n'),
      );
      const step = gh();
      const r = expectExit(await member(['upload', file, '--agent', agentId], { env: step.env }), 0);
      expect(step.outputs().case_count).toBe('3');
      expect(r.stdout).toMatch(/4 rows: 3 accepted, 1 rejected/);
      expect(r.stdout).toMatch(/row 2, input: /);
      expect(await storedInputs(step.outputs().golden_set_id)).toEqual(good.map((c) => c.input).sort());
    });

    it('--reuse-unchanged: the same bytes reuse the set uploaded before (same cases, so runs compare case by case); other bytes upload anew', async () => {
      const file = join(dir, 'reuse.csv');
      writeFileSync(file, ['question,expected_answer', ...casesOf('reuse', 3).map((c) => `${c.input},${c.expected_answer}`)].join('\n'));
      const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
      const up = async (extra: string[] = []) => {
        const step = gh();
        const r = expectExit(await member(['upload', file, '--agent', agentId, '--reuse-unchanged', ...extra], { env: step.env }), 0);
        return { out: step.outputs(), r };
      };
      const first = await up(['--description', 'release cases']);
      expect(first.out).toMatchObject({ case_count: '3', golden_set_reused: 'false', golden_set_sha256: sha256 });
      expect((await api(`/api/v1/golden-sets/${first.out.golden_set_id}`)).description).toBe(`release cases · content-sha256=${sha256}`);

      const again = await up();
      expect(again.out).toMatchObject({ golden_set_id: first.out.golden_set_id, case_count: '3', golden_set_reused: 'true', golden_set_sha256: sha256 });
      expect(again.r.stdout).toContain(first.out.golden_set_id);
      const doc = expectExit(await member(['upload', file, '--agent', agentId, '--reuse-unchanged', '--json']), 0).json();
      expect(doc).toMatchObject({ reused: true, golden_set: { id: first.out.golden_set_id }, case_count: 3 });

      // without the flag, a new set every time; with other bytes, a new set too
      const plain = expectExit(await member(['upload', file, '--agent', agentId, '--json']), 0).json();
      expect(plain.reused).toBe(false);
      expect(plain.golden_set.id).not.toBe(first.out.golden_set_id);
      writeFileSync(file, readFileSync(file, 'utf8') + '\n' + `${caseInput('reuse', 3)},${rightAnswer(3)}`);
      const changed = await up();
      expect(changed.out).toMatchObject({ case_count: '4', golden_set_reused: 'false' });
      expect(changed.out.golden_set_id).not.toBe(first.out.golden_set_id);
      // another agent's identical file is not reused
      const other = (await createAgent(s.h, s.keys.member)).id;
      const step = gh();
      expectExit(await member(['upload', file, '--agent', other, '--reuse-unchanged'], { env: step.env }), 0);
      expect(step.outputs()).toMatchObject({ golden_set_reused: 'false' });
    });

    it('a file the api rejects exits 2 with the validation report (text on stderr, details with --json)', async () => {
      const file = join(dir, 'bad.csv');
      writeFileSync(file, 'question,expected_answer\n,answer without a question\n,another\n');
      const r = expectExit(await member(['upload', file, '--agent', agentId]), 2);
      expect(errorOf(r.stderr).code).toBe('GOLDEN_SET_FILE_VALIDATION_FAILED');
      expect(errorOf(r.stderr).where).toMatch(/HTTP 422, request id \S+/);
      expect(r.stderr).toMatch(/2 rows, 2 rejected/);
      expect(r.stderr).toMatch(/row 2, input: /);
      expect(r.stderr).toMatch(/row 3, input: /);

      const doc = expectExit(await member(['upload', file, '--agent', agentId, '--json']), 2).json();
      expect(doc.error).toMatchObject({ code: 'GOLDEN_SET_FILE_VALIDATION_FAILED', status: 422 });
      expect(doc.error.details.validation_report).toMatchObject({ total_rows: 2, accepted_rows: 0, rejected_rows: 2 });
      expect(doc.error.details.validation_report.issues.map((i: { row: number }) => i.row)).toEqual(expect.arrayContaining([2, 3]));

      const missing = expectExit(await member(['upload', join(dir, 'nope.csv'), '--agent', agentId]), 2);
      expect(errorOf(missing.stderr).code).toBe('USAGE');
    });
  });

  describe('run', () => {
    let setId: string;
    beforeAll(async () => {
      const up = expectSuccess(
        await s.h.http
          .post('/api/v1/golden-sets/upload')
          .set(bearer(s.keys.member))
          .send({ agent_id: agentId, name: uniqueName('Run set'), cases: casesOf('run', 12) }),
        201,
      );
      setId = up.golden_set.id;
    });

    it('--json: one document with the finished run and its summary; progress goes to stderr only', async () => {
      s.wrong.set('run', new Set([5]));
      const r = expectExit(await member(['run', '--agent', agentId, '--golden-set', setId, '--poll-interval', '150', '--json']), 0);
      const doc = r.json();
      expect(doc.run).toMatchObject({ agent_id: agentId, golden_set_id: setId, status: 'completed', total_cases: 12, completed_cases: 12 });
      expect(doc.summary).toMatchObject({ run_id: doc.run.id, result_count: 12, passed_count: 11 });
      const summary = await api(`/api/v1/eval/runs/${doc.run.id}/summary`);
      expect(doc.summary.pass_rate).toBe(summary.pass_rate);
      expect(r.stderr).toContain(doc.run.id);
      expect(r.stderr).toMatch(/12\/12 cases/);
    });

    it('--trials runs every case that many times', async () => {
      s.wrong.set('run', new Set());
      const doc = expectExit(await member(['run', '--agent', agentId, '--golden-set', setId, '--trials', '2', '--poll-interval', '150', '--json']), 0).json();
      expect(doc.run).toMatchObject({ status: 'completed', total_cases: 24, completed_cases: 24 });
      expect(doc.summary).toMatchObject({ trials: 2, result_count: 24 });
    });

    it('a run that ends failed exits 1 (outputs run_status=failed, summary written)', async () => {
      s.broken.add('run');
      try {
        const step = gh();
        const r = expectExit(await member(['run', '--agent', agentId, '--golden-set', setId, '--poll-interval', '150'], { env: step.env }), 1);
        const out = step.outputs();
        expect(out.run_status).toBe('failed');
        expect(await api(`/api/v1/eval/runs/${out.run_id}`)).toMatchObject({ status: 'failed' });
        expect(r.stdout).toContain('failed');
        expect(step.summary()).toContain(out.run_id.slice(0, 8));
        // --json: still one document, still exit 1
        const doc = expectExit(await member(['run', '--agent', agentId, '--golden-set', setId, '--poll-interval', '150', '--json']), 1).json();
        expect(doc.run).toMatchObject({ status: 'failed', failure_code: expect.any(String) });
      } finally {
        s.broken.delete('run');
      }
    });

    it('a run cancelled while the CLI follows it exits 1 (outputs run_status=cancelled)', async () => {
      s.slow.set('run', 1000); // every answer takes a second: the run is still going when it is cancelled
      try {
        const step = gh();
        const following = member(['run', '--agent', agentId, '--golden-set', setId, '--poll-interval', '100'], { env: step.env });
        // the run id is a step output as soon as the run exists
        const runId = await waitUntil('the run id output', async () => (step.outputsText().includes('run_id=') ? step.outputs().run_id : null), 10_000);
        await waitForRun(s.h, s.keys.viewer, runId, (run) => run.status === 'running');
        expectSuccess(await s.h.http.post(`/api/v1/eval/runs/${runId}/cancel`).set(bearer(s.keys.member)), 200);
        const r = expectExit(await following, 1);
        expect(step.outputs()).toMatchObject({ run_id: runId, run_status: 'cancelled' });
        expect(r.stdout).toContain('cancelled');
        // progress on stderr, not a terminal: a line per change of status (the run took less than the 5 s between repeats)
        const statuses = r.stderr
          .split('\n')
          .filter((l) => l.startsWith(`run ${runId}: `))
          .map((l) => l.split(' ').pop());
        expect(statuses.length).toBeGreaterThan(0);
        expect(statuses[statuses.length - 1]).toBe('cancelled');
        expect(statuses.filter((st, i) => i > 0 && statuses[i - 1] === st)).toEqual([]);
      } finally {
        s.slow.delete('run');
      }
    });

    it('--no-wait returns once the run is queued; the worker finishes it', async () => {
      const step = gh();
      expectExit(await member(['run', '--agent', agentId, '--golden-set', setId, '--no-wait'], { env: step.env }), 0);
      const out = step.outputs();
      expect(out.run_id).toMatch(UUID_RE);
      expect(['pending', 'running', 'queued', 'completed']).toContain(out.run_status);
      expect(out.pass_rate).toBeUndefined();
      await waitForRun(s.h, s.keys.viewer, out.run_id, (run) => run.status === 'completed');
    });
  });
  describe('launch gate, queue stats and bootstrap', () => {
    it('launch-gate: exit 0 while nothing blocks, exit 1 with the blockers listed once a critical pattern is open', async () => {
      const fresh = (await createAgent(s.h, s.keys.member)).id;
      const okStep = gh();
      expectExit(await member(['launch-gate', '--agent', fresh], { env: okStep.env }), 0);
      expect(okStep.outputs()).toMatchObject({ launch_gate_status: 'pass' });
      expect(okStep.summary().length).toBeGreaterThan(0);

      expectSuccess(
        await s.h.http.post(`/api/v1/agents/${fresh}/patterns`).set(bearer(s.keys.member)).send({ title: 'leaks customer data', priority: 'critical' }),
        201,
      );
      const step = gh();
      const r = expectExit(await member(['launch-gate', '--agent', fresh], { env: step.env }), 1);
      expect(step.outputs()).toMatchObject({ launch_gate_status: 'blocked' });
      // the blocker, in the text and in the step summary
      expect(r.stdout).toMatch(/1 critical issue pattern|critical_issue_patterns/);
      expect(step.summary()).toMatch(/1 critical issue pattern|critical_issue_patterns/);
      const viaJson = expectExit(await member(['launch-gate', '--agent', fresh, '--json']), 1).json();
      expect(viaJson).toMatchObject({ agent_id: fresh, status: 'blocked' });
    });

    it('bootstrap with a global admin key: an org, a CI key (printed once, never an output) and an agent made with that key', async () => {
      const step = gh();
      const doc = expectExit(
        await as(s.globalKey)(
          ['bootstrap', '--org', uniqueName('CLI org'), '--agent-name', 'checkout bot', '--agent-type', 'analysis', '--endpoint', s.agent.url, '--json'],
          {
            env: step.env,
          },
        ),
        0,
      ).json();
      expect(doc).toMatchObject({ role: 'member' });
      expect(doc.org_id).toMatch(UUID_RE);
      expect(doc.agent_id).toMatch(UUID_RE);
      expect(step.outputs()).toEqual({ org_id: doc.org_id, key_id: doc.key_id, agent_id: doc.agent_id });
      expect(step.outputsText()).not.toContain(doc.api_key);
      // the new key works, in the new org, and sees the agent
      const agent = expectExit(await as(doc.api_key)(['agents', 'get', doc.agent_id, '--json']), 0).json();
      expect(agent).toMatchObject({ id: doc.agent_id, org_id: doc.org_id, name: 'checkout bot', agent_type: 'analysis', api_endpoint: s.agent.url });
      expect(errorOf(expectExit(await as(doc.api_key)(['agents', 'get', agentId]), 2).stderr).code).toBe('NOT_FOUND');

      // an existing org by id, a viewer key and no agent
      const viewer = expectExit(await as(s.globalKey)(['bootstrap', '--org-id', doc.org_id, '--key-role', 'viewer', '--json']), 0).json();
      expect(viewer).toMatchObject({ org_id: doc.org_id, role: 'viewer', agent_id: null });
      expect(
        expectExit(await as(viewer.api_key)(['agents', 'list', '--json']), 0)
          .json()
          .items.map((a: { id: string }) => a.id),
      ).toEqual([doc.agent_id]);

      // an org key cannot bootstrap; both or neither of --org and --org-id is a usage error
      expect(errorOf(expectExit(await member(['bootstrap', '--org', uniqueName('No')]), 2).stderr).code).toBe('FORBIDDEN');
      expect(errorOf(expectExit(await as(s.globalKey)(['bootstrap']), 2).stderr).code).toBe('USAGE');
      expect(errorOf(expectExit(await as(s.globalKey)(['bootstrap', '--org', 'x', '--org-id', doc.org_id]), 2).stderr).code).toBe('USAGE');
    });

    it('queue stats with an admin key; a member key is refused (exit 2 FORBIDDEN)', async () => {
      const doc = expectExit(await as(s.keys.admin)(['queue', 'stats', '--json']), 0).json();
      expect(Array.isArray(doc.queues)).toBe(true);
      expect(doc.queues.length).toBeGreaterThan(0);
      expect(typeof doc.runs).toBe('object');
      const text = expectExit(await as(s.keys.admin)(['queue', 'stats']), 0);
      expect(text.stdout).toContain(doc.queues[0].name ?? doc.queues[0].queue);
      expect(errorOf(expectExit(await member(['queue', 'stats']), 2).stderr).code).toBe('FORBIDDEN');
    });
  });
});
