import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { agentBody, createAgent, expectError, expectSuccess, expectValidation, UUID_RE } from './support/e2e-helpers';

const BUILTINS: [string, string][] = [
  ['Search/Retrieval', 'search_retrieval'],
  ['Document Generator', 'document_generator'],
  ['Dashboard/Analytics', 'dashboard_analytics'],
  ['Triage/Classification', 'triage_classification'],
  ['Analysis', 'analysis'],
];

const AGENT_FIELDS = [
  'agent_type',
  'api_endpoint',
  'created_at',
  'description',
  'eval_profile_id',
  'id',
  'max_calls_per_second',
  'metadata',
  'name',
  'org_id',
  'owner',
  'status',
  'updated_at',
].sort();

describe('agents and eval profiles', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;

  beforeAll(async () => {
    h = await startApi();
    g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(() => h.close());

  describe('POST /api/v1/agents', () => {
    it('a member registers an agent with defaults (201)', async () => {
      const name = uniqueName('Support Search Assistant');
      const res = await h.http
        .post('/api/v1/agents')
        .set(bearer(A.member))
        .send({ name, agent_type: 'search_retrieval', api_endpoint: 'https://agents.example.com/support-search', owner: 'search-team@example.com' });
      const agent = expectSuccess(res, 201);
      expect(Object.keys(agent).sort()).toEqual(AGENT_FIELDS);
      expect(agent).toMatchObject({
        org_id: A.org_id,
        name,
        description: '',
        agent_type: 'search_retrieval',
        status: 'draft',
        api_endpoint: 'https://agents.example.com/support-search',
        owner: 'search-team@example.com',
        eval_profile_id: null,
        metadata: {},
      });
      expect(agent.id).toMatch(UUID_RE);
      expect(new Date(agent.created_at).toISOString()).toBe(agent.created_at);
      expect(expectSuccess(await h.http.get(`/api/v1/agents/${agent.id}`).set(bearer(A.viewer)), 200)).toEqual(agent);
    });

    it('an admin may register one too; names are trimmed and every field round-trips', async () => {
      const name = uniqueName('Trimmed');
      const agent = expectSuccess(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.admin))
          .send({
            name: `  ${name}  `,
            agent_type: 'analysis',
            description: 'reads reports',
            status: 'active',
            owner: null,
            api_endpoint: null,
            eval_profile_id: '00000000-0000-4000-8000-000000000005',
            metadata: { team: 'support', nested: { n: 1, list: [1, 'two'] } },
          }),
        201,
      );
      expect(agent).toMatchObject({
        name,
        agent_type: 'analysis',
        description: 'reads reports',
        status: 'active',
        owner: null,
        api_endpoint: null,
        eval_profile_id: '00000000-0000-4000-8000-000000000005',
        metadata: { team: 'support', nested: { n: 1, list: [1, 'two'] } },
      });
    });

    it('a viewer gets 403 with the required and actual role', async () => {
      const err = expectError(await h.http.post('/api/v1/agents').set(bearer(A.viewer)).send(agentBody()), 403, 'FORBIDDEN');
      expect(err.details).toEqual({ required_role: 'member', actual_role: 'viewer' });
    });

    it('a global key must name the org', async () => {
      const details = expectValidation(await h.http.post('/api/v1/agents').set(bearer(g.api_key)).send(agentBody()), ['org_id']);
      expect(details).toHaveLength(1);
      const agent = await createAgent(h, g.api_key, { org_id: B.org_id });
      expect(agent.org_id).toBe(B.org_id);
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(g.api_key))
          .send(agentBody({ org_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7' })),
        404,
        'NOT_FOUND',
      );
    });

    it('a duplicate name in one org answers 409 AGENT_NAME_TAKEN (case-insensitive); another org may reuse it', async () => {
      const name = uniqueName('Dup Agent');
      await createAgent(h, A.member, { name });
      const before = expectSuccess(await h.http.get('/api/v1/agents').set(bearer(A.viewer)), 200).total;
      expectError(await h.http.post('/api/v1/agents').set(bearer(A.member)).send(agentBody({ name })), 409, 'AGENT_NAME_TAKEN');
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ name: name.toLowerCase() })),
        409,
        'AGENT_NAME_TAKEN',
      );
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ name: ` ${name} ` })),
        409,
        'AGENT_NAME_TAKEN',
      );
      expect(expectSuccess(await h.http.get('/api/v1/agents').set(bearer(A.viewer)), 200).total).toBe(before);
      expect((await createAgent(h, B.member, { name })).name).toBe(name);
    });

    it('racing creates of one name: exactly one 201, the rest 409 AGENT_NAME_TAKEN, never a 500', async () => {
      const o = await orgWithKeys(h, g.api_key);
      const body = agentBody();
      const results = await Promise.all(Array.from({ length: 6 }, () => h.http.post('/api/v1/agents').set(bearer(o.member)).send(body)));
      const statuses = results.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim()).sort();
      expect(statuses).toEqual(['201', ...Array(5).fill('409 AGENT_NAME_TAKEN')]);
      expect(expectSuccess(await h.http.get('/api/v1/agents').set(bearer(o.viewer)), 200).total).toBe(1);
    });

    it('racing creates of one org name: exactly one 201, the rest 409 ORG_NAME_TAKEN', async () => {
      const name = uniqueName('Racing Org');
      const results = await Promise.all(Array.from({ length: 4 }, () => h.http.post('/api/v1/orgs').set(bearer(g.api_key)).send({ name })));
      const statuses = results.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim()).sort();
      expect(statuses).toEqual(['201', ...Array(3).fill('409 ORG_NAME_TAKEN')]);
    });

    it('an unknown eval profile answers 400 EVAL_PROFILE_NOT_FOUND', async () => {
      const err = expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ eval_profile_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7' })),
        400,
        'EVAL_PROFILE_NOT_FOUND',
      );
      expect(err.details).toEqual({ eval_profile_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['missing everything', {}, ['name', 'agent_type']],
      ['name of the wrong type', { name: 42, agent_type: 'analysis' }, ['name']],
      ['blank name', { name: '   ', agent_type: 'analysis' }, ['name']],
      ['empty name', { name: '', agent_type: 'analysis' }, ['name']],
      ['name too long', { name: 'x'.repeat(201), agent_type: 'analysis' }, ['name']],
      ['unknown agent_type', { name: 'n', agent_type: 'robot' }, ['agent_type']],
      ['unknown status', { name: 'n', agent_type: 'analysis', status: 'launched' }, ['status']],
      ['non-http endpoint', { name: 'n', agent_type: 'analysis', api_endpoint: 'ftp://example.com/x' }, ['api_endpoint']],
      ['endpoint that is not a URL', { name: 'n', agent_type: 'analysis', api_endpoint: 'not a url' }, ['api_endpoint']],
      ['metadata as a string', { name: 'n', agent_type: 'analysis', metadata: 'x' }, ['metadata']],
      ['metadata as an array', { name: 'n', agent_type: 'analysis', metadata: [1] }, ['metadata']],
      ['non-uuid org_id', { name: 'n', agent_type: 'analysis', org_id: 'acme' }, ['org_id']],
      ['non-uuid eval_profile_id', { name: 'n', agent_type: 'analysis', eval_profile_id: 'search' }, ['eval_profile_id']],
      ['description too long', { name: 'n', agent_type: 'analysis', description: 'd'.repeat(5001) }, ['description']],
      ['unknown field', { name: 'n', agent_type: 'analysis', launch_now: true }, ['launch_now']],
    ])('%s → 400 VALIDATION_ERROR naming the field', async (_label, body, fields) => {
      const details = expectValidation(await h.http.post('/api/v1/agents').set(bearer(A.member)).send(body), fields);
      expect(details.map((d) => d.field).sort()).toEqual([...fields].sort());
    });
  });

  describe('GET /api/v1/agents', () => {
    let org: OrgKeys;
    const made: any[] = [];

    beforeAll(async () => {
      org = await orgWithKeys(h, g.api_key);
      const specs: [string, string][] = [
        ['search_retrieval', 'draft'],
        ['analysis', 'active'],
        ['analysis', 'paused'],
        ['search_retrieval', 'active'],
        ['triage_classification', 'retired'],
      ];
      for (const [agent_type, status] of specs) made.push(await createAgent(h, org.member, { agent_type, status }));
    });

    it('lists newest first with limit/offset/total (default limit 50)', async () => {
      const all = expectSuccess(await h.http.get('/api/v1/agents').set(bearer(org.viewer)), 200);
      expect(all).toMatchObject({ limit: 50, offset: 0, total: 5 });
      expect(all.items.map((a: any) => a.id)).toEqual([...made].reverse().map((a) => a.id));
      for (const a of all.items) expect(Object.keys(a).sort()).toEqual(AGENT_FIELDS);

      const page = expectSuccess(await h.http.get('/api/v1/agents').query({ limit: 2, offset: 1 }).set(bearer(org.viewer)), 200);
      expect(page).toMatchObject({ limit: 2, offset: 1, total: 5 });
      expect(page.items.map((a: any) => a.id)).toEqual(all.items.slice(1, 3).map((a: any) => a.id));

      const past = expectSuccess(await h.http.get('/api/v1/agents').query({ offset: 10 }).set(bearer(org.viewer)), 200);
      expect(past).toEqual({ items: [], limit: 50, offset: 10, total: 5 });
      expect(expectSuccess(await h.http.get('/api/v1/agents').query({ limit: 200 }).set(bearer(org.viewer)), 200).limit).toBe(200);
    });

    it('filters by status and agent_type, alone and together', async () => {
      const q = async (query: Record<string, string>) => expectSuccess(await h.http.get('/api/v1/agents').query(query).set(bearer(org.viewer)), 200);
      const expectIds = (page: any, pred: (a: any) => boolean) => {
        const want = made
          .filter(pred)
          .map((a) => a.id)
          .sort();
        expect(page.items.map((a: any) => a.id).sort()).toEqual(want);
        expect(page.total).toBe(want.length);
      };
      expectIds(await q({ status: 'active' }), (a) => a.status === 'active');
      expectIds(await q({ agent_type: 'analysis' }), (a) => a.agent_type === 'analysis');
      expectIds(await q({ agent_type: 'analysis', status: 'active' }), (a) => a.agent_type === 'analysis' && a.status === 'active');
      expectIds(await q({ agent_type: 'dashboard_analytics' }), () => false);
      expectIds(await q({ org_id: org.org_id, status: 'retired' }), (a) => a.status === 'retired');
    });

    it.each([
      ['status=bogus', 'status'],
      ['agent_type=robot', 'agent_type'],
      ['org_id=acme', 'org_id'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1000', 'limit'],
      ['limit=201', 'limit'],
      ['limit=2.5', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=abc', 'offset'],
      ['sort=name', 'sort'],
    ])('bad query %s → 400 naming %s', async (query, field) => {
      expectValidation(await h.http.get(`/api/v1/agents?${query}`).set(bearer(org.viewer)), [field]);
    });

    it('latest answers latest_run null until the agent has runs', async () => {
      const a = made[1];
      const latest = expectSuccess(await h.http.get(`/api/v1/agents/${a.id}/latest`).set(bearer(org.viewer)), 200);
      expect(latest).toEqual({ agent_id: a.id, agent_name: a.name, latest_run: null });
    });
  });

  describe('eval profiles', () => {
    it('the five built-ins are visible to every org, newest org included', async () => {
      const fresh = await orgWithKeys(h, g.api_key);
      for (const key of [A.viewer, B.member, fresh.viewer, g.api_key]) {
        const list = expectSuccess(await h.http.get('/api/v1/eval/profiles').set(bearer(key)), 200);
        const builtins = list.items.filter((p: any) => p.is_builtin);
        expect(builtins.map((p: any) => [p.name, p.agent_type]).sort()).toEqual([...BUILTINS].sort());
        for (const p of builtins) expect(p.org_id).toBeNull();
      }
    });

    it('each built-in has a usable shape and can be read by id', async () => {
      const list = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ is_builtin: 'true' }).set(bearer(A.viewer)), 200);
      expect(list.total).toBe(5);
      for (const p of list.items) {
        expect(p.id).toMatch(UUID_RE);
        expect(p.dimensions.length).toBeGreaterThan(0);
        for (const d of p.dimensions) {
          expect(typeof d.key).toBe('string');
          expect(typeof d.weight).toBe('number');
          expect(typeof d.required).toBe('boolean');
        }
        expect(p.issue_tags.length).toBeGreaterThan(0);
        expect(p.scoring_scale).toMatchObject({ quality: { type: 'likert' }, pass_threshold: expect.any(Number) });
        expect(p.version).toBeGreaterThanOrEqual(1);
        const one = expectSuccess(await h.http.get(`/api/v1/eval/profiles/${p.id}`).set(bearer(B.viewer)), 200);
        expect(one).toEqual(p);
      }
    });

    it('filters by agent_type and paginates', async () => {
      const one = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ agent_type: 'triage_classification' }).set(bearer(A.viewer)), 200);
      expect(one.items.map((p: any) => p.name)).toEqual(['Triage/Classification']);
      const page = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ limit: 2, offset: 4 }).set(bearer(A.viewer)), 200);
      expect(page).toMatchObject({ limit: 2, offset: 4, total: 5 });
      expect(page.items).toHaveLength(1);
    });

    it('bad filters and ids answer 400; an unknown id 404', async () => {
      expectValidation(await h.http.get('/api/v1/eval/profiles?is_builtin=maybe').set(bearer(A.viewer)), ['is_builtin']);
      expectValidation(await h.http.get('/api/v1/eval/profiles?agent_type=robot').set(bearer(A.viewer)), ['agent_type']);
      expectValidation(await h.http.get('/api/v1/eval/profiles/search').set(bearer(A.viewer)), ['profile_id']);
      expectError(await h.http.get('/api/v1/eval/profiles/7c9e6679-7425-40de-944b-e07fc1f90ae7').set(bearer(A.viewer)), 404, 'NOT_FOUND');
    });

    it('an org admin defines its own profile; its agents use it; other orgs do not see it', async () => {
      const body = {
        name: uniqueName('Strict support'),
        agent_type: 'analysis',
        description: 'our policy',
        dimensions: [
          { key: 'tone', name: 'Tone', weight: 2 },
          { key: 'accuracy', name: 'Accuracy', required: true, description: 'facts are right' },
          { key: 'brevity', name: 'Brevity', required: false },
        ],
        issue_tags: ['rude', 'wrong_fact'],
        scoring_scale: { criteria: { min: 0, max: 10 }, quality: { min: 1, max: 5 }, pass_threshold: 3 },
      };
      const created = expectSuccess(await h.http.post('/api/v1/eval/profiles').set(bearer(A.admin)).send(body), 201);
      expect(created).toMatchObject({
        org_id: A.org_id,
        is_builtin: false,
        version: 1,
        issue_tags: ['rude', 'wrong_fact'],
        scoring_scale: {
          criteria: { type: 'likert', min: 0, max: 10 },
          quality: { type: 'likert', min: 1, max: 5 },
          pass_threshold: 3,
          answer: { type: 'binary' },
        },
      });
      expect(created.dimensions).toEqual([
        { key: 'tone', name: 'Tone', description: '', weight: 2, required: true },
        { key: 'accuracy', name: 'Accuracy', description: 'facts are right', weight: 1, required: true },
        { key: 'brevity', name: 'Brevity', description: '', weight: 1, required: false },
      ]);
      expectSuccess(await h.http.get(`/api/v1/eval/profiles/${created.id}`).set(bearer(A.viewer)), 200);
      expectError(await h.http.get(`/api/v1/eval/profiles/${created.id}`).set(bearer(B.viewer)), 404, 'NOT_FOUND');
      const list = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ is_builtin: false }).set(bearer(A.viewer)), 200);
      expect(list.items.map((p: any) => p.id)).toContain(created.id);
      // its agents may use it; another org's agents may not
      const agent = expectSuccess(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ agent_type: 'analysis', eval_profile_id: created.id })),
        201,
      );
      expect(agent.eval_profile_id).toBe(created.id);
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(B.member))
          .send(agentBody({ agent_type: 'analysis', eval_profile_id: created.id })),
        400,
        'EVAL_PROFILE_NOT_FOUND',
      );
      // one name per org (case-insensitive); another org may reuse it
      expectError(
        await h.http
          .post('/api/v1/eval/profiles')
          .set(bearer(A.admin))
          .send({ ...body, name: body.name.toUpperCase() }),
        409,
        'EVAL_PROFILE_NAME_TAKEN',
      );
      expectSuccess(await h.http.post('/api/v1/eval/profiles').set(bearer(B.admin)).send(body), 201);
      // admins only; a global key names the org
      expectError(await h.http.post('/api/v1/eval/profiles').set(bearer(A.member)).send(body), 403, 'FORBIDDEN');
      expectValidation(
        await h.http
          .post('/api/v1/eval/profiles')
          .set(bearer(g.api_key))
          .send({ ...body, name: uniqueName('G') }),
        ['org_id'],
      );
    });

    it('profile validation: dimensions, keys, tags and scales', async () => {
      const base = { name: uniqueName('P'), agent_type: 'analysis', dimensions: [{ key: 'a', name: 'A' }], issue_tags: ['x'] };
      const post = (body: Record<string, unknown>) => h.http.post('/api/v1/eval/profiles').set(bearer(A.admin)).send(body);
      expectValidation(await post({ ...base, dimensions: [] }), ['dimensions']);
      expectValidation(await post({ ...base, dimensions: [{ key: 'Bad Key', name: 'A' }] }), ['dimensions.0.key']);
      expectValidation(await post({ ...base, dimensions: [{ key: 'a', name: 'A', weight: 0 }] }), ['dimensions.0.weight']);
      expectValidation(
        await post({
          ...base,
          dimensions: [
            { key: 'a', name: 'A' },
            { key: 'a', name: 'again' },
          ],
        }),
        ['dimensions'],
      );
      expectValidation(await post({ ...base, issue_tags: [] }), ['issue_tags']);
      expectValidation(await post({ ...base, issue_tags: ['x', 'x'] }), ['issue_tags']);
      expectValidation(await post({ ...base, agent_type: 'robot' }), ['agent_type']);
      expectValidation(await post({ ...base, scoring_scale: { criteria: { min: 5, max: 5 } } }), ['scoring_scale.criteria']);
      expectValidation(await post({ ...base, scoring_scale: { pass_threshold: 9 } }), ['scoring_scale.pass_threshold']);
      expectValidation(await post({ ...base, scoring_scale: { quality: { min: 'low', max: 5 } } }), ['scoring_scale.quality.min']);
    });
  });
});
