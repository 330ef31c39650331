import { makeXlsxLyingBomb } from '@greenlight/testing';
import { expectError, expectSuccess, expectValidation } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

/**
 * Golden-set uploads against hostile and careless input: the JSON forms are typed, case texts have
 * configured limits, and workbooks that lie about their size are stopped by what they inflate to.
 * (The same bombs against a built api process, with /health polled throughout: upload-bombs.e2e-spec.ts.)
 */
describe('golden-set uploads: types, text limits, lying workbooks', () => {
  let h: ApiHarness;
  let o: OrgKeys;
  let agentId: string;

  const post = (key: string, path: string, body: unknown) =>
    h.http
      .post(path)
      .set(bearer(key))
      .send(body as object);
  const answer = { input: 'How do I reset my password?', expected_answer: 'Use the reset link.' };

  beforeAll(async () => {
    h = await startApi({ GOLDEN_SET_MAX_INPUT_CHARS: '1000', GOLDEN_SET_MAX_EXPECTED_ANSWER_CHARS: '1500', GOLDEN_SET_MAX_CRITERIA_CHARS: '500' });
    o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
    agentId = expectSuccess(await post(o.member, '/api/v1/agents', { name: uniqueName('Agent'), agent_type: 'search_retrieval' }), 201).id;
  });
  afterAll(() => h?.close());

  const WRONG_TYPES: [string, unknown][] = [
    ['input', 12345],
    ['expected_answer', 12345],
    ['external_id', 12345],
    ['capability', 12345],
    ['expected_sources', 'x'],
    ['tags', 'x'],
    ['evaluation_mode', ''],
    ['difficulty', ''],
    ['scenario_type', ''],
    ['criteria', null],
  ];

  it('JSON upload refuses wrong types and empty enum values with a detail per case and field, storing nothing', async () => {
    const cases = [answer, ...WRONG_TYPES.map(([field, value]) => ({ ...answer, [field]: value }))];
    const name = uniqueName('Typed');
    const details = expectValidation(await post(o.member, '/api/v1/golden-sets/upload', { agent_id: agentId, name, cases }));
    expect(details.map((d) => d.field)).toEqual(WRONG_TYPES.map(([field], i) => `cases.${i + 1}.${field}`));
    const sets = expectSuccess(await h.http.get(`/api/v1/agents/${agentId}/golden-sets`).query({ limit: 200 }).set(bearer(o.viewer)), 200);
    expect(sets.items.map((s: { name: string }) => s.name)).not.toContain(name);
  });

  it('supersede refuses the same values, naming case.<field>', async () => {
    const set = expectSuccess(await post(o.member, '/api/v1/golden-sets/upload', { agent_id: agentId, name: uniqueName('S'), cases: [answer] }), 201);
    const [c] = expectSuccess(await h.http.get(`/api/v1/golden-sets/${set.golden_set.id}/cases`).set(bearer(o.viewer)), 200).items;
    const path = `/api/v1/golden-sets/${set.golden_set.id}/cases/${c.id}/supersede`;
    for (const [field, value] of WRONG_TYPES) {
      expectValidation(await post(o.member, path, { case: { ...answer, [field]: value } }), [`case.${field}`]);
    }
    expectSuccess(await post(o.member, path, { case: { ...answer, difficulty: 'hard', tags: ['auth'] } }), 201);
  });

  it('applies the configured text limits to JSON uploads, supersede and file rows alike', async () => {
    const long = { input: 'q'.repeat(1001), expected_answer: 'a' };
    const json = expectValidation(await post(o.member, '/api/v1/golden-sets/upload', { agent_id: agentId, name: uniqueName('Long'), cases: [answer, long] }), [
      'cases.1.input',
    ]);
    expect(json.find((d) => d.field === 'cases.1.input')!.messages).toEqual(['must be at most 1000 characters (got 1001)']);
    expectValidation(
      await post(o.member, '/api/v1/golden-sets/upload', {
        agent_id: agentId,
        name: uniqueName('Long'),
        cases: [{ ...answer, expected_answer: 'a'.repeat(1501) }],
      }),
      ['cases.0.expected_answer'],
    );
    expectValidation(
      await post(o.member, '/api/v1/golden-sets/upload', { agent_id: agentId, name: uniqueName('Long'), cases: [{ input: 'q', criteria: 'c'.repeat(501) }] }),
      ['cases.0.criteria'],
    );

    const set = expectSuccess(await post(o.member, '/api/v1/golden-sets/upload', { agent_id: agentId, name: uniqueName('S'), cases: [answer] }), 201);
    const [c] = expectSuccess(await h.http.get(`/api/v1/golden-sets/${set.golden_set.id}/cases`).set(bearer(o.viewer)), 200).items;
    expectValidation(await post(o.member, `/api/v1/golden-sets/${set.golden_set.id}/cases/${c.id}/supersede`, { case: long }), ['case.input']);

    const csv = `question,answer\nshort question,fine\n${'q'.repeat(1001)},too long\n`;
    const file = expectSuccess(
      await post(o.member, '/api/v1/golden-sets/upload-file', {
        agent_id: agentId,
        name: uniqueName('CSV'),
        filename: 'cases.csv',
        content_base64: Buffer.from(csv).toString('base64'),
      }),
      201,
    );
    expect(file.validation_report).toMatchObject({
      accepted_rows: 1,
      rejected_rows: 1,
      issues: [{ row: 3, field: 'input', message: 'must be at most 1000 characters (got 1001)' }],
    });
  });

  it('refuses a 5 MB case input', async () => {
    const res = await post(o.member, '/api/v1/golden-sets/upload', {
      agent_id: agentId,
      name: uniqueName('Huge'),
      cases: [{ ...answer, input: 'x'.repeat(5 * 1024 * 1024) }],
    });
    expect(expectValidation(res, ['cases.0.input']).find((d) => d.field === 'cases.0.input')!.messages).toEqual([
      `must be at most 1000 characters (got ${5 * 1024 * 1024})`,
    ]);
  });

  it('stops a workbook whose zip headers claim 64 KB for a sheet that inflates to 1.5 GB at the unpack limit: 413 in our words', async () => {
    const bomb = makeXlsxLyingBomb(1.5 * 1024 ** 3);
    const started = Date.now();
    const res = await h.http
      .post('/api/v1/golden-sets/upload-file')
      .set(bearer(o.member))
      .field('agent_id', agentId)
      .field('name', uniqueName('Bomb'))
      .attach('file', bomb, 'bomb.xlsx');
    const err = expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(err.message).toBe('the workbook unpacks to more than 104857600 bytes, the most an upload may unpack to');
    expect(err.details).toEqual({ reason: 'too_large', format: 'xlsx', max_unpacked_bytes: 104_857_600 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers a corrupt workbook with GOLDEN_SET_FILE_UNREADABLE in our words', async () => {
    const bomb = makeXlsxLyingBomb(1024);
    const broken = Buffer.from(bomb);
    const sheet = broken.indexOf('xl/worksheets/sheet1.xml') + 200;
    broken.fill(0xff, sheet, sheet + 400); // inside the deflated worksheet
    const res = await h.http
      .post('/api/v1/golden-sets/upload-file')
      .set(bearer(o.member))
      .field('agent_id', agentId)
      .field('name', uniqueName('Broken'))
      .attach('file', broken, 'broken.xlsx');
    const err = expectError(res, 400, 'GOLDEN_SET_FILE_UNREADABLE');
    expect(err.message).toMatch(/^the xlsx file is corrupt/);
  });
});
