import { DataSource } from 'typeorm';
import { IdempotencyStore } from '@greenlight/platform';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { agentBody, createKey, expectError, expectSuccess, expectValidation, keyIdOf } from './support/e2e-helpers';

describe('Idempotency-Key', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let db: DataSource;

  beforeAll(async () => {
    h = await startApi();
    g = await globalAdmin(h.config);
    db = h.app.get(DataSource);
  });
  afterAll(() => h.close());

  /** A fresh org per test, so agent totals count only what the test did. */
  const freshOrg = () => orgWithKeys(h, g.api_key);
  const total = async (o: OrgKeys) => expectSuccess(await h.http.get('/api/v1/agents').set(bearer(o.viewer)), 200).total as number;
  const idemKey = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const postAgent = (key: string, idem: string | undefined, body: Record<string, unknown>, path = '/api/v1/agents') => {
    const req = h.http.post(path).set(bearer(key));
    if (idem !== undefined) req.set('Idempotency-Key', idem);
    return req.send(body);
  };

  it('same key and same body replays the stored response and creates one agent', async () => {
    const o = await freshOrg();
    const key = idemKey('replay');
    const body = agentBody({ metadata: { a: 1 } });
    const first = await postAgent(o.member, key, body);
    const created = expectSuccess(first, 201);
    expect(first.headers['idempotency-replayed']).toBeUndefined();

    for (let i = 0; i < 2; i++) {
      const again = await postAgent(o.member, key, body);
      expect(expectSuccess(again, 201)).toEqual(created);
      expect(again.headers['idempotency-replayed']).toBe('true');
      // The replay is a new request: its own request id.
      expect(again.body.meta.request_id).not.toBe(first.body.meta.request_id);
    }
    expect(await total(o)).toBe(1);
  });

  it('the payload is compared canonically: key order does not matter', async () => {
    const o = await freshOrg();
    const key = idemKey('canon');
    const name = uniqueName('Canon');
    const a = await postAgent(o.member, key, { name, agent_type: 'analysis', metadata: { x: 1, y: [1, 2] } });
    const b = await postAgent(o.member, key, { metadata: { y: [1, 2], x: 1 }, agent_type: 'analysis', name });
    expect(expectSuccess(b, 201).id).toBe(expectSuccess(a, 201).id);
    expect(b.headers['idempotency-replayed']).toBe('true');
    expect(await total(o)).toBe(1);
  });

  it('same key with a different body answers 422 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    const o = await freshOrg();
    const key = idemKey('reuse');
    const body = agentBody();
    expectSuccess(await postAgent(o.member, key, body), 201);
    for (const other of [
      { ...body, name: uniqueName('Other') },
      { ...body, description: 'changed' },
      { ...body, metadata: {} },
    ]) {
      const res = await postAgent(o.member, key, other);
      expect(expectError(res, 422, 'IDEMPOTENCY_KEY_REUSED').details).toEqual({ idempotency_key: key });
    }
    // Array order is part of the payload.
    const k2 = idemKey('reuse-array');
    const b2 = agentBody({ metadata: { list: [1, 2] } });
    expectSuccess(await postAgent(o.member, k2, b2), 201);
    expectError(await postAgent(o.member, k2, { ...b2, metadata: { list: [2, 1] } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await total(o)).toBe(2);
    // The original is still replayable after the refusals.
    expect((await postAgent(o.member, key, body)).headers['idempotency-replayed']).toBe('true');
  });

  it('the same key on another endpoint is a different request (422), not a replay', async () => {
    const o = await freshOrg();
    const key = idemKey('cross-path');
    expectSuccess(await h.http.post('/api/v1/system/api-keys').set(bearer(o.admin)).set('Idempotency-Key', key).send({ name: 'k', role: 'viewer' }), 201);
    expectError(await postAgent(o.admin, key, { name: 'k', role: 'viewer' }), 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('legacy and canonical routes share one key space (the canonical path is stored)', async () => {
    const o = await freshOrg();
    const key = idemKey('legacy');
    const body = agentBody();
    const v1 = expectSuccess(await postAgent(o.member, key, body), 201);
    const legacy = await postAgent(o.member, key, body, '/api/agents');
    expect(expectSuccess(legacy, 201).id).toBe(v1.id);
    expect(legacy.headers['idempotency-replayed']).toBe('true');
    expect(legacy.headers['deprecation']).toBe('true');
    expect(await total(o)).toBe(1);
  });

  it('a request while the key is in progress answers 409 IDEMPOTENCY_IN_PROGRESS and runs nothing', async () => {
    const o = await freshOrg();
    const keyId = await keyIdOf(h, g.api_key, o.member, o.org_id);
    const key = idemKey('in-progress');
    const body = agentBody();
    await db.query(
      `INSERT INTO idempotency_records (api_key_id, idempotency_key, method, path, request_hash, status, expires_at)
       VALUES ($1, $2, 'POST', '/api/v1/agents', $3, 'in_progress', now() + interval '1 day')`,
      [keyId, key, IdempotencyStore.requestHash('POST', '/api/v1/agents', body)],
    );
    const res = await postAgent(o.member, key, body);
    expect(expectError(res, 409, 'IDEMPOTENCY_IN_PROGRESS').details).toEqual({ idempotency_key: key });
    expect(await total(o)).toBe(0);
    // The in-progress record is another API key's business: a different key of the org runs freely.
    expectSuccess(await postAgent(o.admin, key, body), 201);
    expect(await total(o)).toBe(1);
  });

  it('an in-progress record left by a crashed process is taken over once it is stale', async () => {
    const o = await freshOrg();
    const keyId = await keyIdOf(h, g.api_key, o.member, o.org_id);
    const key = idemKey('stale');
    const body = agentBody();
    await db.query(
      `INSERT INTO idempotency_records (api_key_id, idempotency_key, method, path, request_hash, status, expires_at, created_at, updated_at)
       VALUES ($1, $2, 'POST', '/api/v1/agents', $3, 'in_progress', now() + interval '1 day', now() - interval '1 hour', now() - interval '1 hour')`,
      [keyId, key, IdempotencyStore.requestHash('POST', '/api/v1/agents', body)],
    );
    const res = await postAgent(o.member, key, body);
    const created = expectSuccess(res, 201);
    expect(res.headers['idempotency-replayed']).toBeUndefined();
    const again = await postAgent(o.member, key, body);
    expect(expectSuccess(again, 201).id).toBe(created.id);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(await total(o)).toBe(1);
  });

  it('an expired record no longer binds the key', async () => {
    const o = await freshOrg();
    const key = idemKey('expired');
    expectSuccess(await postAgent(o.member, key, agentBody()), 201);
    const keyId = await keyIdOf(h, g.api_key, o.member, o.org_id);
    const updated = await db.query(
      `UPDATE idempotency_records SET expires_at = now() - interval '1 second' WHERE api_key_id = $1 AND idempotency_key = $2 RETURNING id`,
      [keyId, key],
    );
    expect(updated[0]).toHaveLength(1);
    const res = await postAgent(o.member, key, agentBody());
    expectSuccess(res, 201);
    expect(res.headers['idempotency-replayed']).toBeUndefined();
    expect(await total(o)).toBe(2);
  });

  it('records are kept at least 24 hours', async () => {
    const o = await freshOrg();
    const key = idemKey('ttl');
    expectSuccess(await postAgent(o.member, key, agentBody()), 201);
    const keyId = await keyIdOf(h, g.api_key, o.member, o.org_id);
    const [row] = await db.query(
      `SELECT status, response_status, extract(epoch FROM expires_at - now()) AS ttl FROM idempotency_records WHERE api_key_id = $1 AND idempotency_key = $2`,
      [keyId, key],
    );
    expect(row).toMatchObject({ status: 'completed', response_status: 201 });
    expect(Number(row.ttl)).toBeGreaterThanOrEqual(24 * 3600 - 60);
  });

  it('five identical requests at once create exactly one agent; each answer is 201 or 409 in progress', async () => {
    const o = await freshOrg();
    const key = idemKey('race');
    const body = agentBody();
    const results = await Promise.all(Array.from({ length: 5 }, () => postAgent(o.member, key, body)));
    const statuses = results.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim());
    for (const s of statuses) expect(['201', '409 IDEMPOTENCY_IN_PROGRESS']).toContain(s);
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.data.id)).size).toBe(1);
    expect(ok.filter((r) => r.headers['idempotency-replayed'] !== 'true')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 409)) expectError(r, 409, 'IDEMPOTENCY_IN_PROGRESS');
    expect(await total(o)).toBe(1);
    // Afterwards the key replays.
    const after = await postAgent(o.member, key, body);
    expect(expectSuccess(after, 201).id).toBe(ok[0].body.data.id);
    expect(after.headers['idempotency-replayed']).toBe('true');
  });

  it('keys are per API key: the same key from another API key runs independently', async () => {
    const [o1, o2] = await Promise.all([freshOrg(), freshOrg()]);
    const key = idemKey('per-key');
    const body = agentBody();
    const a = expectSuccess(await postAgent(o1.member, key, body), 201);
    const res = await postAgent(o2.member, key, body);
    const b = expectSuccess(res, 201);
    expect(res.headers['idempotency-replayed']).toBeUndefined();
    expect(b.id).not.toBe(a.id);
    expect([a.org_id, b.org_id]).toEqual([o1.org_id, o2.org_id]);
    // A different payload from the other API key is not "reused" either.
    const c = await postAgent(o1.admin, key, agentBody());
    expectSuccess(c, 201);
    expect(await total(o1)).toBe(2);
    expect(await total(o2)).toBe(1);
  });

  it('a failed request does not burn the key: fixing the body and retrying with the same key succeeds', async () => {
    const o = await freshOrg();
    const key = idemKey('retry');
    expectValidation(await postAgent(o.member, key, { name: 'x', agent_type: 'robot' }), ['agent_type']);
    const fixed = await postAgent(o.member, key, agentBody());
    expectSuccess(fixed, 201);
    expect(fixed.headers['idempotency-replayed']).toBeUndefined();

    // A domain failure (409 name taken) releases the key too.
    const taken = fixed.body.data.name;
    const key2 = idemKey('retry-domain');
    expectError(await postAgent(o.member, key2, agentBody({ name: taken })), 409, 'AGENT_NAME_TAKEN');
    expectError(await postAgent(o.member, key2, agentBody({ name: taken })), 409, 'AGENT_NAME_TAKEN');
    const ok = await postAgent(o.member, key2, agentBody());
    expectSuccess(ok, 201);
    expect(ok.headers['idempotency-replayed']).toBeUndefined();

    // A refused caller (403) leaves no record behind for its key.
    const key3 = idemKey('retry-forbidden');
    expectError(await postAgent(o.viewer, key3, agentBody()), 403, 'FORBIDDEN');
    const viewerKeyId = await keyIdOf(h, g.api_key, o.viewer, o.org_id);
    const rows = await db.query(`SELECT id FROM idempotency_records WHERE api_key_id = $1`, [viewerKeyId]);
    expect(rows).toEqual([]);
    expect(await total(o)).toBe(2);
  });

  it('replays the revoke endpoint with its own 200 status', async () => {
    const o = await freshOrg();
    const k = await createKey(h, o.admin, { role: 'viewer' });
    const key = idemKey('revoke');
    const first = await h.http.post(`/api/v1/system/api-keys/${k.id}/revoke`).set(bearer(o.admin)).set('Idempotency-Key', key);
    const again = await h.http.post(`/api/v1/system/api-keys/${k.id}/revoke`).set(bearer(o.admin)).set('Idempotency-Key', key);
    expect(expectSuccess(again, 200)).toEqual(expectSuccess(first, 200));
    expect(again.headers['idempotency-replayed']).toBe('true');
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['non-ASCII', 'clé-1'],
    ['with a space', 'a b'],
  ])('a malformed Idempotency-Key (%s) → 400 VALIDATION_ERROR and nothing is created', async (_label, value) => {
    const o = await freshOrg();
    const res = await h.http.post('/api/v1/agents').set(bearer(o.member)).set('Idempotency-Key', value).send(agentBody());
    expectValidation(res, ['Idempotency-Key']);
    expect(await total(o)).toBe(0);
  });

  it('255 printable characters is a valid key', async () => {
    const o = await freshOrg();
    const key = `${idemKey('long')}-`.padEnd(255, 'z');
    const body = agentBody();
    expectSuccess(await postAgent(o.member, key, body), 201);
    expect((await postAgent(o.member, key, body)).headers['idempotency-replayed']).toBe('true');
  });

  it('a replayed API key creation never shows (or stores) the plaintext key again', async () => {
    const g2 = await globalAdmin(h.config);
    const key = `mint-${Date.now()}`;
    const body = { name: 'replayed key', role: 'viewer', org_id: g2.org_id };
    const first = await h.http.post('/api/v1/system/api-keys').set(bearer(g2.api_key)).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(first.body.data.api_key).toMatch(/^gl_/);
    const replay = await h.http.post('/api/v1/system/api-keys').set(bearer(g2.api_key)).set('Idempotency-Key', key).send(body);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotency-replayed']).toBe('true');
    expect(replay.body.data).toMatchObject({ id: first.body.data.id, api_key: null });
    const stored = await h.app.get(DataSource).query(`SELECT response_body::text AS b FROM idempotency_records WHERE idempotency_key = $1`, [key]);
    expect(stored[0].b).not.toContain(first.body.data.api_key);
  });

  it('after a stale takeover the first owner can neither complete nor release the new claim', async () => {
    const store = h.app.get(IdempotencyStore);
    const o = await orgWithKeys(h, g.api_key);
    const [{ id: keyId }] = await db.query('SELECT id FROM api_keys WHERE org_id = $1 AND role = $2 LIMIT 1', [o.org_id, 'member']);
    const req = { api_key_id: keyId, key: `takeover-${Date.now()}`, method: 'POST', path: '/api/v1/agents', body: { a: 1 } };
    const first = await store.claim(req);
    if (first.outcome !== 'acquired') throw new Error('expected the first claim');
    await db.query(`UPDATE idempotency_records SET updated_at = now() - interval '10 minutes' WHERE id = $1`, [first.record_id]);
    const second = await store.claim(req);
    if (second.outcome !== 'acquired') throw new Error('expected a takeover of the stale claim');
    expect(second.claim).not.toBe(first.claim);
    await store.complete(first.record_id, first.claim, 201, { late: true });
    await store.release(first.record_id, first.claim);
    const [row] = await db.query('SELECT status FROM idempotency_records WHERE id = $1', [second.record_id]);
    expect(row.status).toBe('in_progress');
    await store.complete(second.record_id, second.claim, 201, { ok: true });
    expect(await store.claim(req)).toEqual({ outcome: 'replay', response_status: 201, response_body: { ok: true } });
  });
});
