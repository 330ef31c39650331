// Operation matrix rows: Orgs, api keys, agents and what hangs off an agent: run registry, calibration, readiness, SLOs, launch, patterns.
import { createKey, agentBody } from './e2e-helpers';
import { uniqueName } from './harness';
import type { Endpoint, MatrixContext } from './auth-matrix-types';

export function agentRows(c: MatrixContext): Endpoint[] {
  const { h, g, A, agentA, runA, post, calibrationA, calibrationBody, freshPattern, freshViolation } = c;
  return [
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
  ];
}
