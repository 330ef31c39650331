// Walks every operation of the served OpenAPI document and sends, field by field, what careless and
// hostile clients send: null, wrong types, empty strings, huge numbers and strings, unknown and
// reserved keys, malformed query values. No answer may be a 5xx, and whatever the document rules
// out (a non-nullable field set to null, a string where a number belongs, a key it does not list,
// a query number in hex) must be refused with 400 VALIDATION_ERROR.
import { randomUUID } from 'node:crypto';
import { bearer, globalAdmin, startApi, uniqueName, type ApiHarness } from './support/harness';
import { startTestAgent, type TestAgent } from './support/agent-server';
import { expectSuccess } from './support/e2e-helpers';
import { badQueryValues, badValues, deref, Fixtures, MISSING_UUID, sample, sampleObject, type BadValue, type Schema } from './support/schema-samples';

interface Op {
  method: string;
  path: string;
  op: any;
}

interface Finding {
  op: string;
  where: string;
  label: string;
  status: number;
  body: string;
}

const WRITE = new Set(['post', 'put', 'patch', 'delete']);

describe('every operation against bad input (schema walk)', () => {
  let h: ApiHarness;
  let agent: TestAgent;
  let key: string;
  let doc: any;
  let fixtures: Fixtures;
  let crashes: Finding[] = [];
  let accepted: Finding[] = [];
  let sent = 0;

  beforeEach(() => {
    crashes = [];
    accepted = [];
  });

  /** The findings, one line each, so a failure reads as a list of fixes. */
  const lines = (fs: Finding[]) => fs.map((f) => `${f.op} ${f.where} <${f.label}> → ${f.status} ${f.body}`);

  beforeAll(async () => {
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    agent = await startTestAgent(() => ({ body: { output: 'an answer', sources: [] } }));
    const admin = await globalAdmin(h.config);
    key = admin.api_key;
    doc = (await h.http.get('/docs-json')).body;
    fixtures = await makeFixtures(admin.org_id);
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
    await h?.close();
  });

  async function makeFixtures(orgId: string): Promise<Fixtures> {
    const post = async (path: string, body: object, status = 201) =>
      expectSuccess(await h.http.post(path).set(bearer(key)).set('Idempotency-Key', randomUUID()).send(body), status);
    const agentRow = await post('/api/v1/agents', { org_id: orgId, name: uniqueName('Walk'), agent_type: 'search_retrieval', api_endpoint: agent.url });
    const upload = await post('/api/v1/golden-sets/upload', {
      agent_id: agentRow.id,
      name: uniqueName('Walk set'),
      cases: [
        { input: 'first question', expected_answer: 'an answer' },
        { input: 'second question', expected_answer: 'another answer' },
      ],
    });
    const setId = upload.golden_set.id;
    const cases = expectSuccess(await h.http.get(`/api/v1/golden-sets/${setId}/cases`).set(bearer(key)), 200).items;
    const run = await post('/api/v1/eval/runs', { agent_id: agentRow.id, golden_set_id: setId }, 202);
    const endpoint = await post('/api/v1/webhooks/endpoints', { org_id: orgId, url: 'http://127.0.0.1:9/hook' });
    const otherKey = await post('/api/v1/system/api-keys', { name: 'walk victim', role: 'viewer', org_id: orgId });
    const profiles = expectSuccess(await h.http.get('/api/v1/eval/profiles').set(bearer(key)), 200).items;
    const outbox = expectSuccess(await h.http.get('/api/v1/system/notifications/outbox').query({ org_id: orgId }).set(bearer(key)), 200).items;
    return {
      org_id: orgId,
      agent_id: agentRow.id,
      golden_set_id: setId,
      case_id: cases[0].id,
      run_id: run.id,
      baseline_run_id: run.id,
      candidate_run_id: run.id,
      endpoint_id: endpoint.id,
      key_id: otherKey.id,
      profile_id: profiles[0].id,
      eval_profile_id: profiles[0].id,
      outbox_id: outbox[0]?.id ?? MISSING_UUID,
      job_id: 'no-such-job',
    };
  }

  function operations(): Op[] {
    const out: Op[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) if (item[method]) out.push({ method, path, op: item[method] });
    }
    return out;
  }

  function url(o: Op): string {
    return o.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      if (o.path.includes('/maintenance/runs/')) return MISSING_UUID;
      return fixtures[name] ?? MISSING_UUID;
    });
  }

  async function send(o: Op, opts: { query?: Record<string, string>; body?: unknown; raw?: string }) {
    sent += 1;
    let req = (h.http as any)[o.method](url(o)).set(bearer(key));
    if (WRITE.has(o.method)) req = req.set('Idempotency-Key', randomUUID());
    if (opts.query) req = req.query(opts.query);
    if (opts.raw !== undefined) req = req.set('Content-Type', 'application/json').send(opts.raw);
    else if (opts.body !== undefined) req = req.send(opts.body as object);
    return req;
  }

  function judge(o: Op, where: string, bad: BadValue, res: { status: number; body: any; text: string }) {
    const id = `${o.method.toUpperCase()} ${o.path}`;
    const finding = { op: id, where, label: bad.label, status: res.status, body: String(res.text).slice(0, 200) };
    if (res.status >= 500) crashes.push(finding);
    else if (bad.mustRefuse && !(res.status === 400 && res.body?.error?.code === 'VALIDATION_ERROR')) accepted.push(finding);
  }

  /** Runs the cases `concurrency` at a time (a small pool keeps the walk quick without flooding the pool). */
  async function pool(tasks: (() => Promise<void>)[], concurrency = 4): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < tasks.length) await tasks[next++]();
      }),
    );
  }

  function bodySchema(o: Op): Schema | null {
    const s = o.op.requestBody?.content?.['application/json']?.schema;
    return s ? deref(doc, s) : null;
  }

  it('answers every bad body field without a 5xx and refuses what the document rules out', async () => {
    const tasks: (() => Promise<void>)[] = [];
    for (const o of operations()) {
      const schema = bodySchema(o);
      if (!schema) continue;
      const base = sampleObject(doc, schema, fixtures);
      const add = (where: string, bad: BadValue, make: () => { body?: unknown; raw?: string }) =>
        tasks.push(async () => judge(o, where, bad, await send(o, make())));
      for (const [field, prop] of Object.entries<Schema>(schema.properties ?? {})) {
        for (const bad of badValues(doc, prop)) add(field, bad, () => ({ body: { ...base, [field]: bad.value } }));
        // One level down: fields of nested objects and of the first element of object arrays.
        const p = deref(doc, prop);
        const inner = p.type === 'array' ? deref(doc, p.items) : p;
        if (!inner.properties) continue;
        const innerBase = sampleObject(doc, inner, fixtures);
        for (const [sub, subProp] of Object.entries<Schema>(inner.properties)) {
          for (const bad of badValues(doc, subProp)) {
            const value = { ...innerBase, [sub]: bad.value };
            add(`${field}.${sub}`, bad, () => ({ body: { ...base, [field]: p.type === 'array' ? [value] : value } }));
          }
          const extra = { ...innerBase, zz_unknown_field: 1 };
          add(`${field}.zz_unknown_field`, { label: 'unknown nested key', value: 1, mustRefuse: !inner.additionalProperties }, () => ({
            body: { ...base, [field]: p.type === 'array' ? [extra] : extra },
          }));
        }
      }
      const refuse = (label: string): BadValue => ({ label, value: null, mustRefuse: true });
      add('zz_unknown_field', refuse('unknown key'), () => ({ body: { ...base, zz_unknown_field: 1 } }));
      const json = JSON.stringify(base).slice(1);
      add('__proto__', refuse('__proto__ key'), () => ({ raw: `{"__proto__":{"polluted":true},${json}` }));
      add('constructor', refuse('constructor key'), () => ({ raw: `{"constructor":{"prototype":{"polluted":true}},${json}` }));
      for (const raw of ['[]', '"text"', 'null', '12', '{"a":']) add('body', refuse(`body ${raw}`), () => ({ raw }));
      add('baseline', { label: 'plausible body', value: null, mustRefuse: false }, () => ({ body: base }));
    }
    await pool(tasks);
    expect(({} as any).polluted).toBeUndefined();
    expect(lines(crashes)).toEqual([]);
    expect(lines(accepted)).toEqual([]);
  }, 240_000);

  it('answers every bad query value without a 5xx and refuses malformed ones', async () => {
    const tasks: (() => Promise<void>)[] = [];
    for (const o of operations()) {
      for (const param of o.op.parameters ?? []) {
        if (param.in !== 'query') continue;
        for (const bad of badQueryValues(doc, param.schema)) {
          tasks.push(async () => judge(o, `?${param.name}`, bad, await send(o, { query: { [param.name]: String(bad.value) } })));
        }
        // The parameter given twice arrives as an array.
        const twice = String(sample(doc, param.schema, param.name, fixtures));
        tasks.push(async () => {
          const res = await send(o, { query: {} as Record<string, string> });
          judge(o, `?${param.name}`, { label: 'baseline', value: null, mustRefuse: false }, res);
          sent += 1;
          const query = `${param.name}=${encodeURIComponent(twice)}&${param.name}=${encodeURIComponent(twice)}`;
          const request = (h.http as any)[o.method](`${url(o)}?${query}`);
          const dup = await request.set(bearer(key)).set('Idempotency-Key', randomUUID());
          judge(o, `?${param.name}`, { label: 'given twice', value: null, mustRefuse: false }, dup);
        });
      }
    }
    await pool(tasks);
    expect(lines(crashes)).toEqual([]);
    expect(lines(accepted)).toEqual([]);
  }, 240_000);

  it('walked the whole document', () => {
    // A walk that silently found nothing to send would prove nothing.
    expect(operations().length).toBeGreaterThan(60);
    expect(sent).toBeGreaterThan(2000);
  });
});
