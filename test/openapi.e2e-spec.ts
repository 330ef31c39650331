import request from 'supertest';
import { ApiHarness, startApi } from './support/harness';

const TAGS = ['System', 'Agents', 'Evaluation', 'Golden Sets', 'Calibration', 'Issue Patterns', 'Guardrails', 'Operations'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];
const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];

interface Op {
  method: string;
  path: string;
  op: any;
}

/** `<method>_<path>` with /api/v1 dropped and `{x}` as `by_x`, as the spec describes it. */
function expectedOperationId(method: string, path: string): string {
  const segments = path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((s) =>
      s
        .replace(/^\{(.+)\}$/, 'by_$1')
        .replace(/[^A-Za-z0-9]+/g, '_')
        .toLowerCase(),
    );
  return [method, ...segments].join('_');
}

function operations(doc: any): Op[] {
  const out: Op[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of METHODS) if (item[method]) out.push({ method, path, op: item[method] });
  }
  return out;
}

function resolveRef(doc: any, ref: string): any {
  expect(ref).toMatch(/^#\/components\/schemas\//);
  const name = ref.slice('#/components/schemas/'.length);
  const schema = doc.components?.schemas?.[name];
  if (!schema) throw new Error(`dangling $ref ${ref}`);
  return schema;
}

describe('OpenAPI document', () => {
  let h: ApiHarness;
  let doc: any;
  let ops: Op[];
  let apiOps: Op[];

  beforeAll(async () => {
    h = await startApi();
    const res = await h.http.get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body;
    ops = operations(doc);
    apiOps = ops.filter((o) => o.path.startsWith('/api/v1/'));
  });
  afterAll(() => h.close());

  it('is an OpenAPI 3 document with the eight tags and a BearerAuth scheme', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'Greenlight API', version: 'v1' });
    expect(doc.tags.map((t: any) => t.name)).toEqual(TAGS);
    expect(doc.components.securitySchemes.BearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('does not describe API keys as JWTs', () => {
    // Greenlight keys are opaque `gl_<prefix>_<secret>` strings; a JWT bearerFormat misleads client generators.
    expect(doc.components.securitySchemes.BearerAuth.bearerFormat ?? null).not.toBe('JWT');
  });

  it('documents the API, health and metrics, and no legacy /api/... duplicates', () => {
    expect(apiOps.length).toBeGreaterThanOrEqual(13);
    const paths = Object.keys(doc.paths);
    for (const p of ['/health', '/health/ready', '/metrics', '/api/v1/agents', '/api/v1/agents/{agent_id}/latest', '/api/v1/system/api-keys/{key_id}/revoke']) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith('/api/') && !p.startsWith('/api/v1/'))).toEqual([]);
  });

  it('operation ids are unique and follow <method>_<path>', () => {
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of ops) expect(`${o.method} ${o.path} ${o.op.operationId}`).toBe(`${o.method} ${o.path} ${expectedOperationId(o.method, o.path)}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        'post_agents',
        'get_agents',
        'get_agents_by_agent_id',
        'get_agents_by_agent_id_latest',
        'post_system_api_keys_by_key_id_revoke',
        'get_system_audit_logs',
        'get_eval_profiles_by_profile_id',
        'post_orgs',
        'get_health',
        'get_health_ready',
      ]),
    );
  });

  it('every /api/v1 operation has BearerAuth, a known tag, x-required-role and a $ref success schema', () => {
    const problems: string[] = [];
    for (const { method, path, op } of apiOps) {
      const where = `${method.toUpperCase()} ${path}`;
      if (JSON.stringify(op.security) !== JSON.stringify([{ BearerAuth: [] }])) problems.push(`${where}: security ${JSON.stringify(op.security)}`);
      if (!Array.isArray(op.tags) || op.tags.length === 0 || !op.tags.every((t: string) => TAGS.includes(t)))
        problems.push(`${where}: tags ${JSON.stringify(op.tags)}`);
      if (!['viewer', 'member', 'admin'].includes(op['x-required-role'])) problems.push(`${where}: x-required-role ${op['x-required-role']}`);
      if (WRITE_METHODS.includes(method) && !['member', 'admin'].includes(op['x-required-role'])) {
        problems.push(`${where}: a write operation must require member or admin, not ${op['x-required-role']}`);
      }
      const success = Object.entries<any>(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      if (success.length === 0) problems.push(`${where}: no 2xx response`);
      for (const [code, r] of success) {
        const ref = r.content?.['application/json']?.schema?.$ref;
        if (typeof ref !== 'string') {
          problems.push(`${where}: ${code} has no $ref schema`);
          continue;
        }
        const schema = resolveRef(doc, ref);
        if (!schema.properties?.data || !schema.properties?.meta) problems.push(`${where}: ${ref} is not an envelope`);
      }
      for (const code of ['401', '403']) {
        const ref = op.responses?.[code]?.content?.['application/json']?.schema?.$ref;
        if (!ref || !resolveRef(doc, ref).properties?.error) problems.push(`${where}: ${code} is not the error envelope`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the roles documented match the roles enforced', () => {
    const roles = Object.fromEntries(apiOps.map((o) => [o.op.operationId, o.op['x-required-role']]));
    expect(roles).toMatchObject({
      post_orgs: 'admin',
      get_orgs: 'admin',
      get_orgs_by_org_id: 'viewer',
      post_system_api_keys: 'admin',
      get_system_api_keys: 'admin',
      post_system_api_keys_by_key_id_revoke: 'admin',
      get_system_audit_logs: 'admin',
      get_agents: 'viewer',
      post_agents: 'member',
      get_agents_by_agent_id: 'viewer',
      get_agents_by_agent_id_latest: 'viewer',
      get_eval_profiles: 'viewer',
      get_eval_profiles_by_profile_id: 'viewer',
      post_golden_sets_upload: 'member',
      post_golden_sets_upload_file: 'member',
      get_agents_by_agent_id_golden_sets: 'viewer',
      get_golden_sets_by_golden_set_id_quality_gate_status: 'viewer',
      patch_golden_sets_by_golden_set_id_cases_by_case_id_verify: 'member',
      post_eval_runs: 'member',
      get_eval_runs_by_run_id_summary: 'viewer',
      post_eval_runs_by_run_id_execute: 'member',
      post_eval_templates: 'member',
      post_agents_by_agent_id_invoke_contract_validate: 'member',
    });
  });

  it('list envelopes describe items/limit/offset/total; path parameters are declared', () => {
    const singleObject =
      /\}$|\/(latest|summary|quality-gate-status|stats|maintenance-policy|metrics|schedule-summary|schedule-alert-delivery|dead-letter-summary|history|resolve|compare|calibration-gate-status|readiness|slo-policy|slo-status|launch-gate|verify|export|public-key|score-trend|health|portfolio-health)$/;
    for (const { op, path } of apiOps.filter((o) => o.method === 'get' && !singleObject.test(o.path))) {
      const ref = op.responses['200'].content['application/json'].schema.$ref;
      const data = resolveRef(doc, ref).properties.data;
      const page = data.$ref ? resolveRef(doc, data.$ref) : data;
      // The dead-letter page also says whether the scan limit cut it.
      const keys = path.endsWith('/jobs/failed') ? 'items,limit,offset,scan_truncated,total' : 'items,limit,offset,total';
      expect(
        `${path}: ${Object.keys(page.properties ?? {})
          .sort()
          .join(',')}`,
      ).toBe(`${path}: ${keys}`);
      const params = (op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name);
      expect(params).toEqual(expect.arrayContaining(['limit', 'offset']));
    }
    for (const { op, path, method } of apiOps.filter((o) => o.path.includes('{'))) {
      const declared = (op.parameters ?? []).filter((x: any) => x.in === 'path');
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(
        `${method} ${path}: ${declared
          .map((p: any) => p.name)
          .sort()
          .join(',')}`,
      ).toBe(`${method} ${path}: ${inPath.sort().join(',')}`);
      for (const p of declared) expect(p.required).toBe(true);
    }
  });

  it('write operations have typed request bodies, with examples on POST /agents', () => {
    for (const { method, path, op } of apiOps.filter((o) => o.method === 'post' && !/\/(revoke|execute|start|cancel|retry|rotate-secret|test)$/.test(o.path))) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      expect(`${method} ${path} ${typeof schema?.$ref}`).toBe(`${method} ${path} string`);
      resolveRef(doc, schema.$ref);
    }
    const postAgents = apiOps.find((o) => o.op.operationId === 'post_agents')!;
    const examples = postAgents.op.requestBody.content['application/json'].examples;
    expect(Object.keys(examples ?? {}).length).toBeGreaterThan(0);
  });

  it('every write operation documents the optional Idempotency-Key header', () => {
    const writes = apiOps.filter((o) => WRITE_METHODS.includes(o.method));
    expect(writes.length).toBeGreaterThan(0);
    for (const { method, path, op } of writes) {
      const header = (op.parameters ?? []).find((p: any) => p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key');
      expect(`${method} ${path}: ${header ? 'documented' : 'missing'}`).toBe(`${method} ${path}: documented`);
      expect(header.schema).toMatchObject({ type: 'string', maxLength: 255 });
    }
  });

  it('health, readiness and metrics are public (no security)', () => {
    for (const o of ops.filter((x) => !x.path.startsWith('/api/'))) {
      expect(`${o.path} ${JSON.stringify(o.op.security ?? null)}`).toBe(`${o.path} null`);
    }
    expect(doc.security ?? null).toBeNull();
  });

  it('the error code enum lists the API error codes', () => {
    const codes: string[] = doc.components.schemas.ErrorCode?.enum ?? doc.components.schemas.ErrorBody?.properties?.code?.enum;
    expect(codes).toEqual(
      expect.arrayContaining([
        'VALIDATION_ERROR',
        'UNAUTHORIZED',
        'FORBIDDEN',
        'NOT_FOUND',
        'RATE_LIMITED',
        'IDEMPOTENCY_KEY_REUSED',
        'IDEMPOTENCY_IN_PROGRESS',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'API_KEY_SCOPE_ROLE_INVALID',
        'AGENT_NAME_TAKEN',
      ]),
    );
  });

  it('is identical across two boots of the app, even with a fresh module registry', async () => {
    const second = await startApi();
    // A third boot from freshly loaded modules: nothing cached at module level (schema classes,
    // decorators' metadata) can make two processes disagree.
    let createIsolated: ((config: unknown) => Promise<import('@nestjs/common').INestApplication>) | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      createIsolated = require('../apps/api/src/create-api-app').createApiApp;
    });
    const third = await createIsolated!(h.config);
    await third.init();
    try {
      const fromSecond = (await second.http.get('/docs-json').expect(200)).body;
      const fromThird = (await request(third.getHttpServer()).get('/docs-json').expect(200)).body;
      expect(JSON.stringify(fromSecond)).toBe(JSON.stringify(doc));
      expect(JSON.stringify(fromThird)).toBe(JSON.stringify(doc));
    } finally {
      await second.close();
      await third.close();
    }
  });

  it('Swagger UI answers at /docs', async () => {
    const res = await h.http.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<title>Greenlight API</title>');
    expect(res.text).toMatch(/swagger-ui/);
  });
});
