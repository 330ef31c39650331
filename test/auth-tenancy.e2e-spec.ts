import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { agentBody, createAgent, createKey, expectError, expectSuccess, keyIdOf, MISSING_UUID, UUID_RE, waitForAudit, waitUntil } from './support/e2e-helpers';

type Role = 'viewer' | 'member' | 'admin';
type Caller = Role | 'global';

const ROLE_ORDER: Role[] = ['viewer', 'member', 'admin'];
const satisfies = (actual: Role, required: Role) => ROLE_ORDER.indexOf(actual) >= ROLE_ORDER.indexOf(required);

const KEY_VIEW_FIELDS = [
  'created_at',
  'expires_at',
  'id',
  'key_prefix',
  'last_used_at',
  'name',
  'org_id',
  'rate_limit_per_minute',
  'revoked_at',
  'role',
  'status',
].sort();

interface Endpoint {
  label: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  /** May create what the call needs (e.g. a key to revoke). */
  path: () => Promise<string> | string;
  body?: () => Record<string, unknown>;
  role: Role;
  /** Only global (org_id null) admin keys may call it. */
  globalOnly?: boolean;
  ok: number;
  /** When `ok` is an error status: the code an authorised caller gets (the call passed auth). */
  okCode?: string;
  /** The operation requires an Idempotency-Key: each call sends a fresh one. */
  idempotent?: boolean;
}

describe('auth, roles and tenancy', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;
  let agentA: any;
  let agentB: any;
  let profileB: string;
  let endpoints: Endpoint[];
  let setA: { id: string; caseId: string };
  let runA: string;
  let templateA: string;

  const keyFor = (caller: Caller): string => (caller === 'global' ? g.api_key : A[caller]);

  beforeAll(async () => {
    // Webhook URLs must pass the outbound policy when saved: a local one is allow-listed here.
    h = await startApi({
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      // Launch evidence exports are signed: the matrix reaches them with a key.
      LAUNCH_EVIDENCE_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
    [agentA, agentB] = await Promise.all([createAgent(h, A.member), createAgent(h, B.member)]);
    // An org-owned eval profile of org B, with exactly the dimensions of built-in profile 1.
    const rows: { id: string }[] = await h.app.get(DataSource).query(
      `INSERT INTO eval_profiles (org_id, name, agent_type, description, dimensions, scoring_scale, issue_tags, is_builtin)
       SELECT $1, $2, agent_type, description, dimensions, scoring_scale, issue_tags, false
       FROM eval_profiles WHERE id = '00000000-0000-4000-8000-000000000001'
       RETURNING id`,
      [B.org_id, uniqueName('Org B profile')],
    );
    profileB = rows[0].id;

    const post = async (path: string, body: unknown, status: number) =>
      expectSuccess(
        await h.http
          .post(path)
          .set(bearer(A.member))
          .send(body as object),
        status,
      );
    const freshSet = async () => {
      const up = await post('/api/v1/golden-sets/upload', { agent_id: agentA.id, name: uniqueName('Set'), cases: [{ input: 'q', expected_answer: 'a' }] }, 201);
      const cases = expectSuccess(await h.http.get(`/api/v1/golden-sets/${up.golden_set.id}/cases`).set(bearer(A.viewer)), 200);
      return { id: up.golden_set.id as string, caseId: cases.items[0].id as string };
    };
    const freshPattern = async () => (await post(`/api/v1/agents/${agentA.id}/patterns`, { title: uniqueName('Pattern') }, 201)).id as string;
    const freshRun = async () => (await post('/api/v1/eval/runs', { agent_id: agentA.id, golden_set_id: setA.id }, 202)).id as string;
    setA = await freshSet();
    runA = await freshRun();
    templateA = (await post('/api/v1/eval/templates', { name: uniqueName('Tpl'), agent_type: 'search_retrieval' }, 201)).id;
    // No worker runs in this file: a started run's start job stays queued, a job id of org A to look at.
    const startedRun = async () => {
      const id = await freshRun();
      return expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202).job_id as string;
    };
    const jobA = await startedRun();
    const maintenanceRunA = expectSuccess(
      await h.http.post('/api/v1/system/queue/maintenance/run').set(bearer(g.api_key)).set('Idempotency-Key', randomUUID()).send({ org_id: A.org_id }),
      200,
    ).run.id as string;
    const q = `org_id=${A.org_id}`;
    const hookUrl = 'http://127.0.0.1:9/hook';
    const freshEndpoint = async () =>
      expectSuccess(await h.http.post('/api/v1/webhooks/endpoints').set(bearer(g.api_key)).send({ org_id: A.org_id, url: hookUrl }), 201).endpoint.id as string;
    const endpointA = await freshEndpoint();
    // Nothing listens on port 9: the test delivery fails and stays pending for a retry (no worker runs here).
    const deliveryA = expectSuccess(await h.http.post(`/api/v1/webhooks/endpoints/${endpointA}/test`).set(bearer(A.admin)), 200).delivery_id as string;

    // Two completed runs of agent A (executed in the request) and a stored compare of them, for the compare rows.
    const completedRunA = async () => {
      const id = await freshRun();
      await post(`/api/v1/eval/runs/${id}/execute`, {}, 200);
      return id;
    };
    const comparePairA = { baseline_run_id: await completedRunA(), candidate_run_id: await completedRunA() };
    const compareA = (await post('/api/v1/eval/compares', comparePairA, 201)).id as string;
    const calibrationBody = () => ({ run_id: comparePairA.baseline_run_id, labels: [{ case_id: setA.caseId, passed: true }] });
    const calibrationA = (await post('/api/v1/calibration/runs', calibrationBody(), 201)).id as string;
    // An SLO policy of agent A, so that each resolve row can open a violation of its own to resolve.
    const policyA = (await post(`/api/v1/agents/${agentA.id}/slo-policy`, { min_pass_rate: 0.5 }, 200)).id as string;
    const freshViolation = async () =>
      (
        await h.app
          .get(DataSource)
          .query(
            `INSERT INTO slo_violations (org_id, agent_id, policy_id, policy_version, metric, observed_value, threshold_value) VALUES ($1, $2, $3, 1, 'min_pass_rate', 0.1, 0.5) RETURNING id`,
            [A.org_id, agentA.id, policyA],
          )
      )[0].id as string;
    endpoints = [
      { label: 'POST /orgs', method: 'post', path: () => '/api/v1/orgs', body: () => ({ name: uniqueName('Org') }), role: 'admin', globalOnly: true, ok: 201 },
      { label: 'GET /orgs', method: 'get', path: () => '/api/v1/orgs', role: 'admin', globalOnly: true, ok: 200 },
      { label: 'GET /orgs/{id}', method: 'get', path: () => `/api/v1/orgs/${A.org_id}`, role: 'viewer', ok: 200 },
      {
        label: 'POST /system/api-keys',
        method: 'post',
        path: () => '/api/v1/system/api-keys',
        body: () => ({ name: uniqueName('matrix key'), role: 'viewer', org_id: A.org_id }),
        role: 'admin',
        ok: 201,
      },
      { label: 'GET /system/api-keys', method: 'get', path: () => '/api/v1/system/api-keys', role: 'admin', ok: 200 },
      {
        label: 'POST /system/api-keys/{id}/revoke',
        method: 'post',
        path: async () => {
          const k = await createKey(h, g.api_key, { role: 'viewer', org_id: A.org_id });
          return `/api/v1/system/api-keys/${k.id}/revoke`;
        },
        role: 'admin',
        ok: 200,
      },
      { label: 'GET /system/audit-logs', method: 'get', path: () => '/api/v1/system/audit-logs', role: 'admin', ok: 200 },
      { label: 'GET /agents', method: 'get', path: () => '/api/v1/agents', role: 'viewer', ok: 200 },
      { label: 'POST /agents', method: 'post', path: () => '/api/v1/agents', body: () => agentBody({ org_id: A.org_id }), role: 'member', ok: 201 },
      { label: 'GET /agents/{id}', method: 'get', path: () => `/api/v1/agents/${agentA.id}`, role: 'viewer', ok: 200 },
      { label: 'GET /agents/{id}/latest', method: 'get', path: () => `/api/v1/agents/${agentA.id}/latest`, role: 'viewer', ok: 200 },
      {
        label: 'POST /agents/{id}/run-registry',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/run-registry`,
        body: () => ({ kind: 'candidate', name: uniqueName('matrix'), run_id: runA }),
        role: 'member',
        ok: 200,
      },
      { label: 'GET /agents/{id}/run-registry', method: 'get', path: () => `/api/v1/agents/${agentA.id}/run-registry`, role: 'viewer', ok: 200 },
      {
        label: 'GET /agents/{id}/run-registry/resolve',
        method: 'get',
        path: async () => {
          await post(`/api/v1/agents/${agentA.id}/run-registry`, { kind: 'baseline', name: 'matrix-baseline', run_id: runA }, 200);
          return `/api/v1/agents/${agentA.id}/run-registry/resolve?kind=baseline&ref=matrix-baseline`;
        },
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'POST /agents/{id}/run-registry/promote-candidate',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/run-registry/promote-candidate`,
        body: () => ({ candidate_run_id: runA }),
        role: 'member',
        // runA never ran: an authorised caller reaches the gate and is told the candidate is not completed
        ok: 409,
        okCode: 'RUN_REGISTRY_PROMOTION_BLOCKED',
      },
      { label: 'POST /calibration/runs', method: 'post', path: () => '/api/v1/calibration/runs', body: calibrationBody, role: 'member', ok: 201 },
      { label: 'GET /calibration/runs/{id}', method: 'get', path: () => `/api/v1/calibration/runs/${calibrationA}`, role: 'viewer', ok: 200 },
      { label: 'GET /agents/{id}/calibration/latest', method: 'get', path: () => `/api/v1/agents/${agentA.id}/calibration/latest`, role: 'viewer', ok: 200 },
      {
        label: 'GET /agents/{id}/calibration-gate-status',
        method: 'get',
        path: () => `/api/v1/agents/${agentA.id}/calibration-gate-status`,
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'PATCH /agents/{id}',
        method: 'patch',
        path: () => `/api/v1/agents/${agentA.id}`,
        body: () => ({ max_calls_per_second: 5 }),
        role: 'member',
        ok: 200,
      },
      { label: 'GET /agents/{id}/readiness', method: 'get', path: () => `/api/v1/agents/${agentA.id}/readiness`, role: 'viewer', ok: 200 },
      {
        label: 'POST /agents/{id}/readiness',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/readiness`,
        body: () => ({ items: [{ key: 'k', title: 'T', status: 'pending' }] }),
        role: 'member',
        ok: 200,
      },
      { label: 'GET /agents/{id}/slo-policy', method: 'get', path: () => `/api/v1/agents/${agentA.id}/slo-policy`, role: 'viewer', ok: 200 },
      {
        label: 'POST /agents/{id}/slo-policy',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/slo-policy`,
        body: () => ({ min_pass_rate: 0.5 }),
        role: 'member',
        ok: 200,
      },
      { label: 'GET /agents/{id}/slo-status', method: 'get', path: () => `/api/v1/agents/${agentA.id}/slo-status`, role: 'viewer', ok: 200 },
      {
        label: 'PATCH /agents/{id}/slo-violations/{id}/resolve',
        method: 'patch',
        path: async () => `/api/v1/agents/${agentA.id}/slo-violations/${await freshViolation()}/resolve`,
        body: () => ({ reason: 'fixed' }),
        role: 'member',
        ok: 200,
      },
      { label: 'GET /agents/{id}/launch-gate', method: 'get', path: () => `/api/v1/agents/${agentA.id}/launch-gate`, role: 'viewer', ok: 200 },
      {
        label: 'POST /agents/{id}/launch-decision',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/launch-decision`,
        body: () => ({ decision: 'no_go', reason: 'matrix' }),
        role: 'admin',
        ok: 201,
      },
      { label: 'GET /agents/{id}/launch-decisions', method: 'get', path: () => `/api/v1/agents/${agentA.id}/launch-decisions`, role: 'viewer', ok: 200 },
      {
        label: 'POST /agents/{id}/launch-certify',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/launch-certify`,
        body: () => ({}),
        role: 'admin',
        ok: 201,
      },
      {
        label: 'GET /agents/{id}/launch-certifications',
        method: 'get',
        path: () => `/api/v1/agents/${agentA.id}/launch-certifications`,
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'GET /agents/{id}/launch-evidence/verify',
        method: 'get',
        path: () => `/api/v1/agents/${agentA.id}/launch-evidence/verify`,
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'GET /agents/{id}/launch-evidence/export',
        method: 'get',
        path: () => `/api/v1/agents/${agentA.id}/launch-evidence/export`,
        role: 'viewer',
        ok: 200,
      },
      { label: 'GET /launch-evidence/public-key', method: 'get', path: () => '/api/v1/launch-evidence/public-key', role: 'viewer', ok: 200 },
      { label: 'GET /agents/{id}/activity', method: 'get', path: () => `/api/v1/agents/${agentA.id}/activity`, role: 'viewer', ok: 200 },
      { label: 'GET /agents/{id}/score-trend', method: 'get', path: () => `/api/v1/agents/${agentA.id}/score-trend`, role: 'viewer', ok: 200 },
      { label: 'GET /agents/{id}/health', method: 'get', path: () => `/api/v1/agents/${agentA.id}/health`, role: 'viewer', ok: 200 },
      { label: 'GET /orgs/{id}/portfolio-health', method: 'get', path: () => `/api/v1/orgs/${A.org_id}/portfolio-health`, role: 'viewer', ok: 200 },
      { label: 'GET /agents/{id}/patterns', method: 'get', path: () => `/api/v1/agents/${agentA.id}/patterns`, role: 'viewer', ok: 200 },
      {
        label: 'POST /agents/{id}/patterns',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/patterns`,
        body: () => ({ title: uniqueName('Pattern') }),
        role: 'member',
        ok: 201,
      },
      {
        label: 'PATCH /agents/{id}/patterns/{id}',
        method: 'patch',
        path: async () => `/api/v1/agents/${agentA.id}/patterns/${await freshPattern()}`,
        body: () => ({ status: 'in_progress', priority: 'high' }),
        role: 'member',
        ok: 200,
      },
      {
        label: 'GET /agents/{id}/patterns/{id}/history',
        method: 'get',
        path: async () => `/api/v1/agents/${agentA.id}/patterns/${await freshPattern()}/history`,
        role: 'viewer',
        ok: 200,
      },
      { label: 'GET /eval/profiles', method: 'get', path: () => '/api/v1/eval/profiles', role: 'viewer', ok: 200 },
      {
        label: 'POST /eval/profiles',
        method: 'post',
        path: () => '/api/v1/eval/profiles',
        body: () => ({ org_id: A.org_id, name: uniqueName('Profile'), agent_type: 'analysis', dimensions: [{ key: 'a', name: 'A' }], issue_tags: ['x'] }),
        role: 'admin',
        ok: 201,
      },
      {
        label: 'GET /eval/profiles/{id}',
        method: 'get',
        path: () => '/api/v1/eval/profiles/00000000-0000-4000-8000-000000000002',
        role: 'viewer',
        ok: 200,
      },
      { label: 'GET /agents/{id}/golden-sets', method: 'get', path: () => `/api/v1/agents/${agentA.id}/golden-sets`, role: 'viewer', ok: 200 },
      {
        label: 'POST /agents/{id}/invoke-contract/validate',
        method: 'post',
        path: () => `/api/v1/agents/${agentA.id}/invoke-contract/validate`,
        body: () => ({}),
        role: 'member',
        // agentA has no endpoint: an authorised caller reaches the check and is told so
        ok: 400,
        okCode: 'AGENT_INVOKE_CONTRACT_CONFIG_ERROR',
      },
      {
        label: 'POST /golden-sets/upload',
        method: 'post',
        path: () => '/api/v1/golden-sets/upload',
        body: () => ({ agent_id: agentA.id, name: uniqueName('Set'), cases: [{ input: 'q', expected_answer: 'a' }] }),
        role: 'member',
        ok: 201,
      },
      {
        label: 'POST /golden-sets/upload-file',
        method: 'post',
        path: () => '/api/v1/golden-sets/upload-file',
        body: () => ({
          agent_id: agentA.id,
          name: uniqueName('File'),
          filename: 'c.csv',
          content_base64: Buffer.from('input,expected_answer\nq,a\n').toString('base64'),
        }),
        role: 'member',
        ok: 201,
      },
      { label: 'GET /golden-sets/{id}', method: 'get', path: () => `/api/v1/golden-sets/${setA.id}`, role: 'viewer', ok: 200 },
      { label: 'GET /golden-sets/{id}/cases', method: 'get', path: () => `/api/v1/golden-sets/${setA.id}/cases`, role: 'viewer', ok: 200 },
      {
        label: 'GET /golden-sets/{id}/quality-gate-status',
        method: 'get',
        path: () => `/api/v1/golden-sets/${setA.id}/quality-gate-status`,
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'GET /golden-sets/{id}/cases/{id}/reviews',
        method: 'get',
        path: () => `/api/v1/golden-sets/${setA.id}/cases/${setA.caseId}/reviews`,
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'PATCH /golden-sets/{id}/cases/{id}/verify',
        method: 'patch',
        path: () => `/api/v1/golden-sets/${setA.id}/cases/${setA.caseId}/verify`,
        body: () => ({ notes: 'checked' }),
        role: 'member',
        ok: 200,
      },
      {
        label: 'POST /golden-sets/{id}/cases/{id}/supersede',
        method: 'post',
        path: async () => {
          const s = await freshSet();
          return `/api/v1/golden-sets/${s.id}/cases/${s.caseId}/supersede`;
        },
        body: () => ({ case: { input: 'q2', expected_answer: 'a2' } }),
        role: 'member',
        ok: 201,
      },
      {
        label: 'POST /eval/runs',
        method: 'post',
        path: () => '/api/v1/eval/runs',
        body: () => ({ agent_id: agentA.id, golden_set_id: setA.id }),
        role: 'member',
        ok: 202,
      },
      { label: 'GET /eval/runs', method: 'get', path: () => '/api/v1/eval/runs', role: 'viewer', ok: 200 },
      { label: 'GET /eval/runs/{id}', method: 'get', path: () => `/api/v1/eval/runs/${runA}`, role: 'viewer', ok: 200 },
      { label: 'GET /eval/runs/{id}/results', method: 'get', path: () => `/api/v1/eval/runs/${runA}/results`, role: 'viewer', ok: 200 },
      { label: 'GET /eval/runs/{id}/summary', method: 'get', path: () => `/api/v1/eval/runs/${runA}/summary`, role: 'viewer', ok: 200 },
      { label: 'GET /eval/runs/{id}/artifacts', method: 'get', path: () => `/api/v1/eval/runs/${runA}/artifacts`, role: 'viewer', ok: 200 },
      {
        label: 'GET /eval/runs/{id}/review-queue',
        method: 'get',
        path: () => `/api/v1/eval/runs/${comparePairA.baseline_run_id}/review-queue`,
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'PATCH /eval/runs/{id}/results/{id}/review',
        method: 'patch',
        path: async () => {
          const run = comparePairA.baseline_run_id;
          const results = expectSuccess(await h.http.get(`/api/v1/eval/runs/${run}/results`).set(bearer(A.viewer)), 200);
          return `/api/v1/eval/runs/${run}/results/${results.items[0].id}/review`;
        },
        body: () => ({ decision: 'accept', reason: 'checked' }),
        role: 'member',
        ok: 200,
      },
      {
        label: 'POST /eval/compares',
        method: 'post',
        path: () => '/api/v1/eval/compares',
        body: () => comparePairA,
        role: 'member',
        idempotent: true,
        ok: 201,
      },
      { label: 'GET /eval/compares', method: 'get', path: () => '/api/v1/eval/compares', role: 'viewer', ok: 200 },
      { label: 'GET /eval/compares/{id}', method: 'get', path: () => `/api/v1/eval/compares/${compareA}`, role: 'viewer', ok: 200 },
      {
        label: 'GET /eval/compare',
        method: 'get',
        path: () => `/api/v1/eval/compare?baseline_run_id=${comparePairA.baseline_run_id}&candidate_run_id=${comparePairA.candidate_run_id}`,
        role: 'viewer',
        ok: 200,
      },
      {
        label: 'POST /eval/runs/{id}/execute',
        method: 'post',
        path: async () => `/api/v1/eval/runs/${await freshRun()}/execute`,
        role: 'member',
        ok: 200,
      },
      {
        label: 'POST /eval/runs/{id}/start',
        method: 'post',
        path: async () => `/api/v1/eval/runs/${await freshRun()}/start`,
        role: 'member',
        ok: 202,
      },
      {
        label: 'POST /eval/runs/{id}/cancel',
        method: 'post',
        path: async () => `/api/v1/eval/runs/${await freshRun()}/cancel`,
        role: 'member',
        ok: 200,
      },
      { label: 'GET /eval/runs/{id}/events', method: 'get', path: () => `/api/v1/eval/runs/${runA}/events`, role: 'viewer', ok: 200 },
      {
        label: 'POST /eval/templates',
        method: 'post',
        path: () => '/api/v1/eval/templates',
        body: () => ({ org_id: A.org_id, name: uniqueName('Tpl'), agent_type: 'analysis' }),
        role: 'member',
        ok: 201,
      },
      { label: 'GET /eval/templates', method: 'get', path: () => '/api/v1/eval/templates', role: 'viewer', ok: 200 },
      { label: 'GET /eval/templates/{id}', method: 'get', path: () => `/api/v1/eval/templates/${templateA}`, role: 'viewer', ok: 200 },
      { label: 'GET /system/queue/stats', method: 'get', path: () => `/api/v1/system/queue/stats?${q}`, role: 'admin', ok: 200 },
      { label: 'GET /system/queue/jobs/failed', method: 'get', path: () => `/api/v1/system/queue/jobs/failed?${q}`, role: 'admin', ok: 200 },
      { label: 'GET /system/queue/jobs/{id}', method: 'get', path: () => `/api/v1/system/queue/jobs/${jobA}`, role: 'admin', ok: 200 },
      {
        label: 'POST /system/queue/jobs/failed/replay',
        method: 'post',
        path: () => '/api/v1/system/queue/jobs/failed/replay',
        body: () => ({ org_id: A.org_id, dry_run: true }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      {
        label: 'POST /system/queue/jobs/reap-stale',
        method: 'post',
        path: () => '/api/v1/system/queue/jobs/reap-stale',
        body: () => ({ org_id: A.org_id, dry_run: true }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      {
        label: 'POST /system/queue/jobs/prune',
        method: 'post',
        path: () => '/api/v1/system/queue/jobs/prune',
        body: () => ({ org_id: A.org_id, dry_run: true }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      {
        label: 'POST /system/queue/jobs/{id}/retry',
        method: 'post',
        path: () => `/api/v1/system/queue/jobs/${jobA}/retry`,
        body: () => ({}),
        role: 'admin',
        // the job is waiting, not failed: an authorised caller is told it cannot be retried
        ok: 409,
        okCode: 'QUEUE_JOB_NOT_RETRYABLE',
        idempotent: true,
      },
      {
        label: 'POST /system/queue/jobs/{id}/cancel',
        method: 'post',
        path: async () => `/api/v1/system/queue/jobs/${await startedRun()}/cancel`,
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      { label: 'GET /system/queue/maintenance-policy', method: 'get', path: () => `/api/v1/system/queue/maintenance-policy?${q}`, role: 'admin', ok: 200 },
      {
        label: 'POST /system/queue/maintenance-policy',
        method: 'post',
        path: () => '/api/v1/system/queue/maintenance-policy',
        body: () => ({ org_id: A.org_id, retention_days: 7 }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      {
        label: 'POST /system/queue/maintenance/run',
        method: 'post',
        path: () => '/api/v1/system/queue/maintenance/run',
        body: () => ({ org_id: A.org_id }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      { label: 'GET /system/queue/maintenance/runs', method: 'get', path: () => `/api/v1/system/queue/maintenance/runs?${q}`, role: 'admin', ok: 200 },
      {
        label: 'GET /system/queue/maintenance/runs/{id}',
        method: 'get',
        path: () => `/api/v1/system/queue/maintenance/runs/${maintenanceRunA}`,
        role: 'admin',
        ok: 200,
      },
      { label: 'GET /system/queue/maintenance/events', method: 'get', path: () => `/api/v1/system/queue/maintenance/events?${q}`, role: 'admin', ok: 200 },
      {
        label: 'GET /system/queue/maintenance/runs/{id}/events',
        method: 'get',
        path: () => `/api/v1/system/queue/maintenance/runs/${maintenanceRunA}/events`,
        role: 'admin',
        ok: 200,
      },
      { label: 'GET /system/queue/maintenance/metrics', method: 'get', path: () => `/api/v1/system/queue/maintenance/metrics?${q}`, role: 'admin', ok: 200 },
      {
        label: 'POST /system/queue/maintenance/reap-stale-runs',
        method: 'post',
        path: () => '/api/v1/system/queue/maintenance/reap-stale-runs',
        body: () => ({ org_id: A.org_id, dry_run: true }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      {
        label: 'POST /system/queue/maintenance/schedule-trigger',
        method: 'post',
        path: () => '/api/v1/system/queue/maintenance/schedule-trigger',
        body: () => ({ org_id: A.org_id, schedule_name: 'matrix' }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      {
        label: 'GET /system/queue/maintenance/schedule-summary',
        method: 'get',
        path: () => `/api/v1/system/queue/maintenance/schedule-summary?${q}`,
        role: 'admin',
        ok: 200,
      },
      {
        label: 'POST /system/queue/maintenance/schedule-summary/notify',
        method: 'post',
        path: () => '/api/v1/system/queue/maintenance/schedule-summary/notify',
        body: () => ({ org_id: A.org_id, dry_run: true }),
        role: 'admin',
        ok: 200,
        idempotent: true,
      },
      {
        label: 'GET /system/queue/maintenance/schedule-alert-delivery',
        method: 'get',
        path: () => `/api/v1/system/queue/maintenance/schedule-alert-delivery?${q}`,
        role: 'admin',
        ok: 200,
      },
      {
        label: 'POST /webhooks/endpoints',
        method: 'post',
        path: () => '/api/v1/webhooks/endpoints',
        body: () => ({ org_id: A.org_id, url: hookUrl, event_types: ['eval_run.failed'] }),
        role: 'admin',
        ok: 201,
      },
      { label: 'GET /webhooks/endpoints', method: 'get', path: () => `/api/v1/webhooks/endpoints?${q}`, role: 'admin', ok: 200 },
      { label: 'GET /webhooks/endpoints/{id}', method: 'get', path: () => `/api/v1/webhooks/endpoints/${endpointA}`, role: 'admin', ok: 200 },
      {
        label: 'PATCH /webhooks/endpoints/{id}',
        method: 'patch',
        path: () => `/api/v1/webhooks/endpoints/${endpointA}`,
        body: () => ({ description: 'matrix' }),
        role: 'admin',
        ok: 200,
      },
      {
        label: 'DELETE /webhooks/endpoints/{id}',
        method: 'delete',
        path: async () => `/api/v1/webhooks/endpoints/${await freshEndpoint()}`,
        role: 'admin',
        ok: 200,
      },
      {
        label: 'POST /webhooks/endpoints/{id}/rotate-secret',
        method: 'post',
        path: () => `/api/v1/webhooks/endpoints/${endpointA}/rotate-secret`,
        role: 'admin',
        ok: 200,
      },
      {
        label: 'GET /webhooks/endpoints/{id}/deliveries',
        method: 'get',
        path: () => `/api/v1/webhooks/endpoints/${endpointA}/deliveries`,
        role: 'admin',
        ok: 200,
      },
      { label: 'POST /webhooks/endpoints/{id}/test', method: 'post', path: () => `/api/v1/webhooks/endpoints/${endpointA}/test`, role: 'admin', ok: 200 },
      { label: 'GET /system/notifications/outbox', method: 'get', path: () => `/api/v1/system/notifications/outbox?${q}`, role: 'admin', ok: 200 },
      {
        label: 'GET /system/notifications/outbox/dead-letter-summary',
        method: 'get',
        path: () => `/api/v1/system/notifications/outbox/dead-letter-summary?${q}`,
        role: 'admin',
        ok: 200,
      },
      {
        label: 'POST /system/notifications/outbox/drain',
        method: 'post',
        path: () => '/api/v1/system/notifications/outbox/drain',
        body: () => ({ org_id: A.org_id }),
        role: 'admin',
        ok: 200,
      },
      { label: 'GET /system/notifications/outbox/{id}', method: 'get', path: () => `/api/v1/system/notifications/outbox/${deliveryA}`, role: 'admin', ok: 200 },
      {
        label: 'POST /system/notifications/outbox/{id}/retry',
        method: 'post',
        path: () => `/api/v1/system/notifications/outbox/${deliveryA}/retry`,
        role: 'admin',
        ok: 200,
      },
    ];
  });
  afterAll(() => h.close());

  async function call(ep: Endpoint, authorization?: string) {
    const path = await ep.path();
    let req =
      ep.method === 'get' ? h.http.get(path) : ep.method === 'patch' ? h.http.patch(path) : ep.method === 'delete' ? h.http.delete(path) : h.http.post(path);
    if (authorization !== undefined) req = req.set('Authorization', authorization);
    if (ep.idempotent) req = req.set('Idempotency-Key', randomUUID());
    return ep.body ? req.send(ep.body()) : req;
  }

  it('the matrix covers every operation of the OpenAPI document', async () => {
    const doc = (await h.http.get('/docs-json').expect(200)).body;
    const documented: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const method of Object.keys(item)) documented.push(`${method.toUpperCase()} ${path.replace('/api/v1', '').replace(/\{[^}]+\}/g, '{id}')}`);
    }
    expect(endpoints.map((e) => e.label).sort()).toEqual(documented.sort());
  });

  describe('role matrix: every endpoint x every caller', () => {
    const callers: Caller[] = ['viewer', 'member', 'admin', 'global'];
    it.each(callers)('%s key gets exactly what its role and scope allow', async (caller) => {
      const failures: string[] = [];
      for (const ep of endpoints) {
        const res = await call(ep, `Bearer ${keyFor(caller)}`);
        let expected: number;
        let code: string | undefined;
        if (caller === 'global') [expected, code] = [ep.ok, ep.okCode];
        else if (!satisfies(caller, ep.role)) [expected, code] = [403, 'FORBIDDEN'];
        else if (ep.globalOnly) [expected, code] = [403, 'FORBIDDEN'];
        else [expected, code] = [ep.ok, ep.okCode];
        if (res.status !== expected || (code && res.body?.error?.code !== code)) {
          failures.push(`${ep.label} as ${caller}: expected ${expected}${code ? ` ${code}` : ''}, got ${res.status} ${res.text.slice(0, 200)}`);
          continue;
        }
        if (expected < 300) {
          expectSuccess(res, expected);
        } else if (expected !== 403 || code !== 'FORBIDDEN') {
          expectError(res, expected, code!);
        } else {
          const err = expectError(res, 403, 'FORBIDDEN');
          if (caller !== 'global' && !satisfies(caller, ep.role)) {
            expect(err.details).toEqual({ required_role: ep.role, actual_role: caller });
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('a global key is an admin with org_id null', async () => {
      const list = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(g.api_key)), 200);
      const prefix = g.api_key.split('_').slice(0, 2).join('_');
      const mine = list.items.find((k: any) => k.key_prefix === prefix);
      expect(mine).toMatchObject({ org_id: null, role: 'admin', status: 'active' });
    });
  });

  describe('authentication: missing, malformed, unknown, revoked and expired keys answer 401 everywhere', () => {
    let revokedAdmin: string;
    let expiredAdmin: string;

    beforeAll(async () => {
      const r = await createKey(h, g.api_key, { role: 'admin', org_id: A.org_id });
      const e = await createKey(h, g.api_key, { role: 'admin', org_id: A.org_id });
      // Both work before they are disabled, so a 401 later is caused by the revocation / expiry.
      expectSuccess(await h.http.get('/api/v1/system/api-keys').set(bearer(r.api_key)), 200);
      expectSuccess(await h.http.get('/api/v1/system/api-keys').set(bearer(e.api_key)), 200);
      expectSuccess(await h.http.post(`/api/v1/system/api-keys/${r.id}/revoke`).set(bearer(g.api_key)), 200);
      await h.app.get(DataSource).query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [e.id]);
      revokedAdmin = r.api_key;
      expiredAdmin = e.api_key;
    });

    const cases: [string, () => string | undefined][] = [
      ['no Authorization header', () => undefined],
      ['empty Authorization header', () => ''],
      ['Basic scheme', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
      ['Bearer without a token', () => 'Bearer'],
      ['Bearer with two tokens', () => `Bearer ${A.admin} extra`],
      ['the key without a scheme', () => A.admin],
      ['Token scheme with a valid key', () => `Token ${A.admin}`],
      ['unknown key of valid shape', () => `Bearer gl_00000000_${'A'.repeat(43)}`],
      ['garbage token', () => 'Bearer not-a-key'],
      ['a valid key with one character changed', () => `Bearer ${A.admin.slice(0, -1)}${A.admin.endsWith('x') ? 'y' : 'x'}`],
      ['revoked key', () => `Bearer ${revokedAdmin}`],
      ['expired key', () => `Bearer ${expiredAdmin}`],
    ];

    it.each(cases)('%s → 401 UNAUTHORIZED on every endpoint', async (_label, auth) => {
      const failures: string[] = [];
      for (const ep of endpoints) {
        const res = await call(ep, auth());
        if (res.status !== 401 || res.body?.error?.code !== 'UNAUTHORIZED') {
          failures.push(`${ep.label}: ${res.status} ${res.text.slice(0, 200)}`);
          continue;
        }
        expectError(res, 401, 'UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      expect(failures).toEqual([]);
    });

    it('the scheme name is case-insensitive (RFC 7235)', async () => {
      expectSuccess(await h.http.get('/api/v1/agents').set('Authorization', `bearer ${A.viewer}`), 200);
    });

    it('a 401 from a bad key creates nothing', async () => {
      const before = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: A.org_id }).set(bearer(g.api_key)), 200).total;
      expectError(await h.http.post('/api/v1/agents').set(bearer(revokedAdmin)).send(agentBody()), 401, 'UNAUTHORIZED');
      expectError(await h.http.post('/api/v1/agents').set(bearer(expiredAdmin)).send(agentBody()), 401, 'UNAUTHORIZED');
      const after = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: A.org_id }).set(bearer(g.api_key)), 200).total;
      expect(after).toBe(before);
    });
  });

  describe('orgs', () => {
    it('create and list are for global admin keys only', async () => {
      const name = uniqueName('Created Org');
      const org = expectSuccess(await h.http.post('/api/v1/orgs').set(bearer(g.api_key)).send({ name }), 201);
      expect(org).toMatchObject({ name });
      expect(org.id).toMatch(UUID_RE);
      const list = expectSuccess(await h.http.get('/api/v1/orgs').query({ limit: 200 }).set(bearer(g.api_key)), 200);
      expect(list.items.map((o: any) => o.id)).toEqual(expect.arrayContaining([org.id, A.org_id, B.org_id]));

      const forbidden = expectError(
        await h.http
          .post('/api/v1/orgs')
          .set(bearer(A.admin))
          .send({ name: uniqueName('Org') }),
        403,
        'FORBIDDEN',
      );
      expect(forbidden.message).toMatch(/global/);
      expectError(await h.http.get('/api/v1/orgs').set(bearer(A.admin)), 403, 'FORBIDDEN');
    });

    it('a duplicate org name (any case) answers 409 ORG_NAME_TAKEN', async () => {
      const name = uniqueName('Dup Org');
      expectSuccess(await h.http.post('/api/v1/orgs').set(bearer(g.api_key)).send({ name }), 201);
      expectError(await h.http.post('/api/v1/orgs').set(bearer(g.api_key)).send({ name: name.toUpperCase() }), 409, 'ORG_NAME_TAKEN');
    });

    it('org keys read their own org; another org answers 404 exactly like a missing one', async () => {
      for (const role of ROLE_ORDER) {
        expect(expectSuccess(await h.http.get(`/api/v1/orgs/${A.org_id}`).set(bearer(A[role])), 200).id).toBe(A.org_id);
        const other = expectError(await h.http.get(`/api/v1/orgs/${B.org_id}`).set(bearer(A[role])), 404, 'NOT_FOUND');
        const missing = expectError(await h.http.get(`/api/v1/orgs/${MISSING_UUID}`).set(bearer(A[role])), 404, 'NOT_FOUND');
        expect(other.message).toBe(missing.message);
      }
      expect(expectSuccess(await h.http.get(`/api/v1/orgs/${B.org_id}`).set(bearer(g.api_key)), 200).id).toBe(B.org_id);
      expectError(await h.http.get(`/api/v1/orgs/${MISSING_UUID}`).set(bearer(g.api_key)), 404, 'NOT_FOUND');
    });
  });

  describe('api keys', () => {
    it('creation returns the plaintext once; lists never carry api_key or key_hash', async () => {
      const created = await createKey(h, A.admin, { role: 'member', name: 'ci-pipeline' });
      expect(created.api_key).toMatch(/^gl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
      expect(created.api_key.startsWith(`${created.key_prefix}_`)).toBe(true);
      expect(created).toMatchObject({ name: 'ci-pipeline', role: 'member', org_id: A.org_id, status: 'active', revoked_at: null });
      expect(Object.keys(created).sort()).toEqual([...KEY_VIEW_FIELDS, 'api_key'].sort());
      // The default expiry is in the future (API_KEY_DEFAULT_TTL_DAYS).
      expect(new Date(created.expires_at).getTime()).toBeGreaterThan(Date.now() + 80 * 86_400_000);
      expect(created.last_used_at).toBeNull();
      // The key works, and its use is recorded (asynchronously) in last_used_at.
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(created.api_key)), 200);
      const lastUsed = await waitUntil(
        'last_used_at of the new key',
        async () => {
          const keys = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(A.admin)), 200);
          return keys.items.find((k: any) => k.id === created.id).last_used_at as string | null;
        },
        2000,
      );
      expect(Math.abs(Date.now() - Date.parse(lastUsed))).toBeLessThan(60_000);

      for (const caller of [A.admin, g.api_key]) {
        const res = await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(caller));
        const list = expectSuccess(res, 200);
        expect(list.items.length).toBeGreaterThan(0);
        for (const item of list.items) expect(Object.keys(item).sort()).toEqual(KEY_VIEW_FIELDS);
        expect(res.text).not.toContain(created.api_key);
        expect(res.text).not.toContain('key_hash');
        expect(list.items.map((k: any) => k.id)).toContain(created.id);
      }
    });

    it('an org admin sees only its own org keys, whatever org_id it asks for', async () => {
      const own = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(A.admin)), 200);
      expect(own.total).toBeGreaterThanOrEqual(3);
      expect(new Set(own.items.map((k: any) => k.org_id))).toEqual(new Set([A.org_id]));

      // Another org answers exactly like a missing one.
      const res = await h.http.get('/api/v1/system/api-keys').query({ org_id: B.org_id, limit: 200 }).set(bearer(A.admin));
      const missing = await h.http.get('/api/v1/system/api-keys').query({ org_id: MISSING_UUID, limit: 200 }).set(bearer(A.admin));
      expect(expectError(res, 404, 'NOT_FOUND')).toEqual({ ...expectError(missing, 404, 'NOT_FOUND'), details: { id: B.org_id } });

      const globalView = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ org_id: B.org_id, limit: 200 }).set(bearer(g.api_key)), 200);
      expect(globalView.total).toBeGreaterThanOrEqual(3);
      expect(new Set(globalView.items.map((k: any) => k.org_id))).toEqual(new Set([B.org_id]));
    });

    it("an org admin cannot revoke another org's key (404) and the key keeps working", async () => {
      const keyB = await keyIdOf(h, g.api_key, B.viewer, B.org_id);
      expectError(await h.http.post(`/api/v1/system/api-keys/${keyB}/revoke`).set(bearer(A.admin)), 404, 'NOT_FOUND');
      expectError(await h.http.post(`/api/v1/system/api-keys/${MISSING_UUID}/revoke`).set(bearer(A.admin)), 404, 'NOT_FOUND');
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(B.viewer)), 200);
      // Nor a global key.
      const globalId = await keyIdOf(h, g.api_key, g.api_key);
      expectError(await h.http.post(`/api/v1/system/api-keys/${globalId}/revoke`).set(bearer(A.admin)), 404, 'NOT_FOUND');
      expectSuccess(await h.http.get('/api/v1/orgs').set(bearer(g.api_key)), 200);
    });

    it('an org admin cannot create keys for another org (404) or global keys', async () => {
      const countB = async () => expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ org_id: B.org_id }).set(bearer(g.api_key)), 200).total;
      const countGlobal = async () => (await h.app.get(DataSource).query(`SELECT count(*)::int AS n FROM api_keys WHERE org_id IS NULL`))[0].n as number;
      const [b0, g0] = [await countB(), await countGlobal()];
      expectError(await h.http.post('/api/v1/system/api-keys').set(bearer(A.admin)).send({ name: 'x', role: 'viewer', org_id: B.org_id }), 404, 'NOT_FOUND');
      const res = await h.http.post('/api/v1/system/api-keys').set(bearer(A.admin)).send({ name: 'x', role: 'admin', org_id: null });
      expectError(res, 403, 'FORBIDDEN');
      expect(await countB()).toBe(b0);
      expect(await countGlobal()).toBe(g0);
    });

    it('an org admin omitting org_id creates the key in its own org', async () => {
      const k = await createKey(h, A.admin, { role: 'viewer' });
      expect(k.org_id).toBe(A.org_id);
    });

    it.each(['viewer', 'member'])('a global key with role %s answers 400 API_KEY_SCOPE_ROLE_INVALID', async (role) => {
      for (const body of [
        { name: 'g', role, org_id: null },
        { name: 'g', role },
      ]) {
        expectError(await h.http.post('/api/v1/system/api-keys').set(bearer(g.api_key)).send(body), 400, 'API_KEY_SCOPE_ROLE_INVALID');
      }
    });

    it('a global admin creates global admin keys and keys for any org; an unknown org answers 404', async () => {
      const globalKey = await createKey(h, g.api_key, { role: 'admin', org_id: null });
      expect(globalKey).toMatchObject({ org_id: null, role: 'admin' });
      expectSuccess(await h.http.get('/api/v1/orgs').set(bearer(globalKey.api_key)), 200);

      const forB = await createKey(h, g.api_key, { role: 'member', org_id: B.org_id });
      expect(forB.org_id).toBe(B.org_id);
      expect(expectSuccess(await h.http.post('/api/v1/agents').set(bearer(forB.api_key)).send(agentBody()), 201).org_id).toBe(B.org_id);

      expectError(
        await h.http.post('/api/v1/system/api-keys').set(bearer(g.api_key)).send({ name: 'x', role: 'viewer', org_id: MISSING_UUID }),
        404,
        'NOT_FOUND',
      );
    });

    it('expires_at must be in the future; an explicit expiry is kept', async () => {
      const past = await h.http
        .post('/api/v1/system/api-keys')
        .set(bearer(A.admin))
        .send({ name: 'x', role: 'viewer', expires_at: new Date(Date.now() - 60_000).toISOString() });
      expectError(past, 400, 'VALIDATION_ERROR');
      const at = new Date(Date.now() + 7 * 86_400_000);
      at.setMilliseconds(0);
      const k = await createKey(h, A.admin, { role: 'viewer', expires_at: at.toISOString() });
      expect(new Date(k.expires_at).getTime()).toBe(at.getTime());
    });

    it('revoke is idempotent, the key stops working at once, and the status filter finds it', async () => {
      const k = await createKey(h, A.admin, { role: 'viewer' });
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(k.api_key)), 200);
      const first = expectSuccess(await h.http.post(`/api/v1/system/api-keys/${k.id}/revoke`).set(bearer(A.admin)), 200);
      expect(first).toMatchObject({ id: k.id, status: 'revoked' });
      expect(Math.abs(Date.now() - Date.parse(first.revoked_at))).toBeLessThan(60_000);
      expect(Object.keys(first).sort()).toEqual(KEY_VIEW_FIELDS);
      const second = expectSuccess(await h.http.post(`/api/v1/system/api-keys/${k.id}/revoke`).set(bearer(A.admin)), 200);
      expect(second).toEqual(first);
      expectError(await h.http.get('/api/v1/agents').set(bearer(k.api_key)), 401, 'UNAUTHORIZED');

      const revoked = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ status: 'revoked', limit: 200 }).set(bearer(A.admin)), 200);
      expect(revoked.items.map((x: any) => x.id)).toContain(k.id);
      expect(revoked.items.every((x: any) => x.status === 'revoked')).toBe(true);
      const active = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ status: 'active', limit: 200 }).set(bearer(A.admin)), 200);
      expect(active.items.map((x: any) => x.id)).not.toContain(k.id);
    });
  });

  describe('agents and eval profiles across orgs', () => {
    it("org keys never see another org's agent: get and latest answer 404", async () => {
      for (const role of ROLE_ORDER) {
        expectError(await h.http.get(`/api/v1/agents/${agentB.id}`).set(bearer(A[role])), 404, 'NOT_FOUND');
        expectError(await h.http.get(`/api/v1/agents/${agentB.id}/latest`).set(bearer(A[role])), 404, 'NOT_FOUND');
      }
      expect(expectSuccess(await h.http.get(`/api/v1/agents/${agentB.id}`).set(bearer(B.viewer)), 200).id).toBe(agentB.id);
      expect(expectSuccess(await h.http.get(`/api/v1/agents/${agentB.id}`).set(bearer(g.api_key)), 200).id).toBe(agentB.id);
      expectError(await h.http.get(`/api/v1/agents/${MISSING_UUID}`).set(bearer(g.api_key)), 404, 'NOT_FOUND');
    });

    it("lists are scoped to the caller's org, even when another org_id is asked for", async () => {
      const own = expectSuccess(await h.http.get('/api/v1/agents').query({ limit: 200 }).set(bearer(A.viewer)), 200);
      expect(own.items.map((a: any) => a.id)).toContain(agentA.id);
      expect(own.items.every((a: any) => a.org_id === A.org_id)).toBe(true);

      const res = await h.http.get('/api/v1/agents').query({ org_id: B.org_id }).set(bearer(A.viewer));
      if (res.status === 200) {
        expect(res.body.data.items.filter((a: any) => a.org_id !== A.org_id)).toEqual([]);
        expect(res.body.data.items.map((a: any) => a.id)).not.toContain(agentB.id);
      } else {
        expectError(res, 404, 'NOT_FOUND');
      }

      const globalAll = expectSuccess(await h.http.get('/api/v1/agents').query({ limit: 200 }).set(bearer(g.api_key)), 200);
      expect(globalAll.items.map((a: any) => a.id)).toEqual(expect.arrayContaining([agentA.id, agentB.id]));
      const globalB = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: B.org_id, limit: 200 }).set(bearer(g.api_key)), 200);
      expect(globalB.items.map((a: any) => a.id)).toContain(agentB.id);
      expect(globalB.items.every((a: any) => a.org_id === B.org_id)).toBe(true);
    });

    it('an org member cannot create an agent in another org (404) and nothing is created there', async () => {
      const before = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: B.org_id }).set(bearer(g.api_key)), 200).total;
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ org_id: B.org_id })),
        404,
        'NOT_FOUND',
      );
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.admin))
          .send(agentBody({ org_id: B.org_id })),
        404,
        'NOT_FOUND',
      );
      const after = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: B.org_id }).set(bearer(g.api_key)), 200).total;
      expect(after).toBe(before);
    });

    it("an org's own eval profile is invisible to other orgs; built-ins are visible to all", async () => {
      expectError(await h.http.get(`/api/v1/eval/profiles/${profileB}`).set(bearer(A.viewer)), 404, 'NOT_FOUND');
      const mine = expectSuccess(await h.http.get(`/api/v1/eval/profiles/${profileB}`).set(bearer(B.viewer)), 200);
      expect(mine).toMatchObject({ id: profileB, org_id: B.org_id, is_builtin: false });

      // org A sees the built-ins and its own (the role matrix created some), never org B's
      const listA = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ limit: 200 }).set(bearer(A.viewer)), 200);
      expect(listA.items.filter((p: any) => p.is_builtin && p.org_id === null)).toHaveLength(5);
      expect(listA.items.every((p: any) => p.is_builtin || p.org_id === A.org_id)).toBe(true);
      expect(listA.items.map((p: any) => p.id)).not.toContain(profileB);
      const listB = expectSuccess(await h.http.get('/api/v1/eval/profiles').set(bearer(B.viewer)), 200);
      expect(listB.total).toBe(6);
      expect(listB.items.map((p: any) => p.id)).toContain(profileB);
      const ownOnly = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ is_builtin: 'false' }).set(bearer(B.viewer)), 200);
      expect(ownOnly.items.map((p: any) => p.id)).toEqual([profileB]);
    });

    it("an agent may use a built-in or its own org's profile, never another org's", async () => {
      const err = expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ eval_profile_id: profileB })),
        400,
        'EVAL_PROFILE_NOT_FOUND',
      );
      expect(err.details).toEqual({ eval_profile_id: profileB });
      const ok = await createAgent(h, B.member, { eval_profile_id: profileB });
      expect(ok.eval_profile_id).toBe(profileB);
      const builtin = await createAgent(h, A.member, { eval_profile_id: '00000000-0000-4000-8000-000000000005' });
      expect(builtin.eval_profile_id).toBe('00000000-0000-4000-8000-000000000005');
    });
  });

  describe('audit logs across orgs', () => {
    it('an org admin sees only its own org rows; a global admin sees them all', async () => {
      const rid = `tenancy-audit-${Date.now()}`;
      expectSuccess(await h.http.post('/api/v1/agents').set(bearer(B.member)).set('X-Request-Id', rid).send(agentBody()), 201);
      const rows = await waitForAudit(h, g.api_key, rid);
      expect(rows).toHaveLength(1);
      expect(rows[0].org_id).toBe(B.org_id);

      const asA = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ request_id: rid }).set(bearer(A.admin)), 200);
      expect(asA.items).toEqual([]);
      const asAOrgB = await h.http.get('/api/v1/system/audit-logs').query({ org_id: B.org_id, limit: 200 }).set(bearer(A.admin));
      expectError(asAOrgB, 404, 'NOT_FOUND');
      const asB = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ request_id: rid }).set(bearer(B.admin)), 200);
      expect(asB.items.map((r: any) => r.request_id)).toEqual([rid]);

      const allA = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ limit: 200 }).set(bearer(A.admin)), 200);
      expect(allA.items.length).toBeGreaterThan(0);
      expect(allA.items.every((r: any) => r.org_id === A.org_id)).toBe(true);
    });
  });
});
