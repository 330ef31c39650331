// Bad input that used to reach the database or a controller unchecked: `null` for fields that are
// not nullable, prototype keys, query numbers in notations other than plain decimal.
import { randomUUID } from 'node:crypto';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';
import { createAgent, expectSuccess, expectValidation, rawRequest } from './support/e2e-helpers';

const MAINTENANCE_FIELDS = [
  'stale_run_seconds',
  'max_runtime_seconds',
  'retention_days',
  'reap_limit',
  'prune_limit',
  'schedule_enabled',
  'schedule_alert_enabled',
  'schedule_alert_dedupe_hit_rate_threshold',
  'schedule_alert_min_execution_success_rate',
  'schedule_alert_cooldown_minutes',
];

describe('bad input', () => {
  let h: ApiHarness;
  let keys: OrgKeys;

  beforeAll(async () => {
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    keys = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(() => h.close());

  const post = (path: string, key: string) => h.http.post(path).set(bearer(key)).set('Idempotency-Key', randomUUID());

  it.each(MAINTENANCE_FIELDS)('maintenance policy: %s null is a VALIDATION_ERROR naming it, and nothing is stored', async (field) => {
    const policy = async () => expectSuccess(await h.http.get('/api/v1/system/queue/maintenance-policy').set(bearer(keys.admin)), 200);
    const before = await policy();
    expectValidation(await post('/api/v1/system/queue/maintenance-policy', keys.admin).send({ [field]: null }), [field]);
    expect(await policy()).toEqual(before);
  });

  it('golden set file upload: content_base64 null is a VALIDATION_ERROR', async () => {
    const agent = await createAgent(h, keys.member);
    const res = await post('/api/v1/golden-sets/upload-file', keys.member).send({ agent_id: agent.id, name: 'nulls', filename: 'a.csv', content_base64: null });
    expectValidation(res, ['content_base64']);
  });

  it('webhook endpoint: description null clears it; null url, event_types or enabled are refused', async () => {
    const created = expectSuccess(
      await post('/api/v1/webhooks/endpoints', keys.admin).send({ url: 'http://127.0.0.1:9/hook', description: 'to be cleared' }),
      201,
    );
    const id = created.endpoint.id;
    const patch = (body: object) => h.http.patch(`/api/v1/webhooks/endpoints/${id}`).set(bearer(keys.admin)).set('Idempotency-Key', randomUUID()).send(body);
    expect(expectSuccess(await patch({ description: null }), 200).description).toBe('');
    for (const field of ['url', 'event_types', 'enabled']) expectValidation(await patch({ [field]: null }), [field]);
  });

  it('agents: null for a non-nullable field is refused, null for a nullable one clears it', async () => {
    expectValidation(await post('/api/v1/agents', keys.member).send({ name: 'n', agent_type: 'analysis', description: null }), ['description']);
    expectValidation(await post('/api/v1/agents', keys.member).send({ name: null, agent_type: 'analysis' }), ['name']);
    const agent = expectSuccess(
      await post('/api/v1/agents', keys.member).send({ name: `owner-less ${randomUUID()}`, agent_type: 'analysis', owner: null }),
      201,
    );
    expect(agent.owner).toBeNull();
  });

  it.each(['__proto__', 'constructor', 'prototype'])('a %s key is refused at the top level and nested', async (k) => {
    const server = h.app.getHttpServer();
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const send = (body: string) =>
      rawRequest(server, {
        method: 'POST',
        path: '/api/v1/agents',
        headers: { Authorization: `Bearer ${keys.member}`, 'Content-Type': 'application/json' },
        body,
      });
    const top = await send(`{"${k}": {"admin": true}, "name": "x", "agent_type": "analysis"}`);
    expectValidation(top as any, [k]);
    const nested = await send(`{"name": "y", "agent_type": "analysis", "metadata": {"team": {"${k}": {"admin": true}}}}`);
    expectValidation(nested as any, [`metadata.team.${k}`]);
    expect(({} as any).admin).toBeUndefined();
  });

  it.each([
    ['limit', '0x10'],
    ['limit', '1e1'],
    ['limit', ' 5'],
    ['limit', '5.0.1'],
    ['offset', ''],
    ['offset', '0b1'],
    ['offset', '-0x1'],
  ])('list query %s=%j is a VALIDATION_ERROR', async (name, value) => {
    expectValidation(await h.http.get(`/api/v1/agents?${name}=${encodeURIComponent(value)}`).set(bearer(keys.viewer)), [name]);
  });

  it('plain decimal query numbers still work', async () => {
    const page = expectSuccess(await h.http.get('/api/v1/agents?limit=007&offset=0').set(bearer(keys.viewer)), 200);
    expect(page).toMatchObject({ limit: 7, offset: 0 });
  });
});
