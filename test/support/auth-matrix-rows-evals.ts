// Operation matrix rows: Eval profiles, golden sets and their cases, eval runs, reviews, compares and templates.
import { expectSuccess } from './e2e-helpers';
import { bearer, uniqueName } from './harness';
import type { Endpoint, MatrixContext } from './auth-matrix-types';

export function evalRows(c: MatrixContext): Endpoint[] {
  const { h, A, agentA, setA, runA, templateA, comparePairA, compareA, freshSet, freshRun } = c;
  return [
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
  ];
}
