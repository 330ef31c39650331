import { DataSource } from 'typeorm';
import { createAgent, expectError, expectSuccess, expectValidation, MISSING_UUID } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';

/** An agent's launch readiness checklist: read, replace, validate, tenancy. */
describe('launch readiness checklist', () => {
  let h: ApiHarness;
  let db: DataSource;
  let o: OrgKeys;
  let other: OrgKeys;

  const post = (key: string, path: string, body: unknown) =>
    h.http
      .post(path)
      .set(bearer(key))
      .send(body as object);
  const get = (key: string, path: string) => h.http.get(path).set(bearer(key));
  const path = (agentId: string) => `/api/v1/agents/${agentId}/readiness`;

  const item = (key: string, status: string, extra: Record<string, unknown> = {}) => ({ key, title: `Item ${key}`, status, ...extra });

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    [o, other] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an agent without a checklist has an empty one; a write creates it, a second replaces it', async () => {
    const agent = (await createAgent(h, o.member)).id;
    const empty = expectSuccess(await get(o.viewer, path(agent)), 200);
    expect(empty).toMatchObject({ id: null, agent_id: agent, org_id: o.org_id, items: [], pending_count: 0, created_at: null });
    expect(empty.decision_snapshot).toMatchObject({ decision: 'ready', total_items: 0, pending_count: 0, pending_keys: [] });

    const first = expectSuccess(
      await post(o.member, path(agent), {
        items: [
          item('security_review', 'pending', { owner: 'security-team', note: 'booked for Friday' }),
          item('load_test', 'done', { owner: 'sre' }),
          item('legal', 'waived', { note: 'internal tool' }),
          item('docs', 'pending'),
        ],
      }),
      200,
    );
    expect(first).toMatchObject({ agent_id: agent, pending_count: 2 });
    expect(first.id).toEqual(expect.any(String));
    expect(first.items[0]).toEqual({
      key: 'security_review',
      title: 'Item security_review',
      owner: 'security-team',
      status: 'pending',
      note: 'booked for Friday',
    });
    expect(first.items[3]).toEqual({ key: 'docs', title: 'Item docs', owner: null, status: 'pending', note: null });
    expect(first.decision_snapshot).toMatchObject({
      decision: 'not_ready',
      total_items: 4,
      pending_count: 2,
      done_count: 1,
      waived_count: 1,
      pending_keys: ['security_review', 'docs'],
    });
    expect(expectSuccess(await get(o.viewer, path(agent)), 200)).toEqual(first);

    const second = expectSuccess(await post(o.member, path(agent), { items: [item('security_review', 'done'), item('load_test', 'done')] }), 200);
    expect(second).toMatchObject({ id: first.id, pending_count: 0, decision_snapshot: { decision: 'ready', total_items: 2, pending_keys: [] } });
    expect(second.items.map((i: { key: string }) => i.key)).toEqual(['security_review', 'load_test']);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM agent_readiness WHERE agent_id = $1`, [agent]);
    expect(n).toBe(1);

    const acts = await db.query(`SELECT metadata FROM activity_events WHERE agent_id = $1 AND event_type = 'readiness_updated' ORDER BY created_at, id`, [
      agent,
    ]);
    expect(acts).toHaveLength(2);
    expect(acts[1].metadata).toMatchObject({ decision: 'ready', pending_count: 0, total_items: 2 });
    expect(acts[1].metadata.status_changes).toEqual(
      expect.arrayContaining([
        { key: 'security_review', from: 'pending', to: 'done' },
        { key: 'legal', from: 'waived', to: null },
        { key: 'docs', from: 'pending', to: null },
      ]),
    );
    expect(acts[1].metadata.status_changes).toHaveLength(3);

    // an empty list clears the checklist
    expect(expectSuccess(await post(o.member, path(agent), { items: [] }), 200)).toMatchObject({ items: [], pending_count: 0 });
  });

  it('refuses repeated keys, bad statuses, blank titles, bad keys, over-long fields and too many items, naming the field', async () => {
    const agent = (await createAgent(h, o.member)).id;
    const dup = expectValidation(await post(o.member, path(agent), { items: [item('a', 'done'), item('b', 'done'), item('a', 'pending')] }), ['items.2.key']);
    expect(JSON.stringify(dup)).toContain('items.0');
    expectValidation(await post(o.member, path(agent), { items: [item('a', 'blocked')] }), ['items.0.status']);
    expectValidation(await post(o.member, path(agent), { items: [{ key: 'a', title: '   ', status: 'done' }] }), ['items.0.title']);
    expectValidation(await post(o.member, path(agent), { items: [{ key: 'a', status: 'done' }] }), ['items.0.title']);
    expectValidation(await post(o.member, path(agent), { items: [item('has space', 'done')] }), ['items.0.key']);
    expectValidation(await post(o.member, path(agent), { items: [item('k'.repeat(65), 'done')] }), ['items.0.key']);
    expectValidation(await post(o.member, path(agent), { items: [{ key: 'a', title: 't'.repeat(201), status: 'done' }] }), ['items.0.title']);
    expectValidation(await post(o.member, path(agent), { items: [item('a', 'done', { owner: 'o'.repeat(121) })] }), ['items.0.owner']);
    expectValidation(await post(o.member, path(agent), { items: [item('a', 'done', { note: 'n'.repeat(2001) })] }), ['items.0.note']);
    expectValidation(await post(o.member, path(agent), { items: Array.from({ length: 101 }, (_, i) => item(`k${i}`, 'done')) }), ['items']);
    expectValidation(await post(o.member, path(agent), { items: 'none' }), ['items']);
    expectValidation(await post(o.member, path(agent), {}), ['items']);
    expectValidation(await post(o.member, path(agent), { items: [item('a', 'done', { extra: 1 })] }), ['items.0.extra']);
    // nothing was stored by the refused writes
    expect(expectSuccess(await get(o.viewer, path(agent)), 200).id).toBeNull();
    // the limits themselves are accepted
    const full = Array.from({ length: 100 }, (_, i) => item(`k${i}`, i % 2 ? 'done' : 'pending', { note: 'n'.repeat(2000) }));
    expect(expectSuccess(await post(o.member, path(agent), { items: full }), 200).pending_count).toBe(50);
  });

  it('viewers read, members write; another org or an unknown agent is 404', async () => {
    const agent = (await createAgent(h, o.member)).id;
    expectError(await post(o.viewer, path(agent), { items: [item('a', 'done')] }), 403, 'FORBIDDEN');
    expectSuccess(await post(o.admin, path(agent), { items: [item('a', 'pending')] }), 200);
    expectError(await get(other.viewer, path(agent)), 404, 'NOT_FOUND');
    expectError(await post(other.admin, path(agent), { items: [item('a', 'done')] }), 404, 'NOT_FOUND');
    expectError(await get(o.viewer, path(MISSING_UUID)), 404, 'NOT_FOUND');
    expectError(await post(o.member, path(MISSING_UUID), { items: [] }), 404, 'NOT_FOUND');
    expectValidation(await get(o.viewer, path('not-a-uuid')), ['agent_id']);
    // the other org's write did not touch the checklist
    expect(expectSuccess(await get(o.viewer, path(agent)), 200).items).toEqual([{ key: 'a', title: 'Item a', owner: null, status: 'pending', note: null }]);
  });
});
