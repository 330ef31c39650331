// The operation matrix: one row per API operation, with the least role that may call it, whether only
// global admin keys may, and what an authorised caller gets. The rows live in per-area modules and are
// joined here into one list, so the coverage check sees every row. The data the rows point at (an agent,
// a golden set, runs, a webhook endpoint, ...) all belongs to org A and is made by `buildMatrix`.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { agentRows } from './auth-matrix-rows-agents';
import { evalRows } from './auth-matrix-rows-evals';
import { systemRows } from './auth-matrix-rows-system';
import type { Endpoint, MatrixContext } from './auth-matrix-types';
export type { Endpoint, MatrixContext } from './auth-matrix-types';
import { TwoOrgs } from './auth-orgs';
import { createAgent, expectSuccess } from './e2e-helpers';
import { ApiHarness, bearer, uniqueName } from './harness';

/** Settings the matrix needs from the api: webhook URLs on this host pass the outbound policy, and launch evidence exports are signed. */
export function matrixApiEnv(): Record<string, string> {
  return {
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    LAUNCH_EVIDENCE_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export async function buildMatrix({ h, g, A }: TwoOrgs): Promise<Endpoint[]> {
  const agentA = await createAgent(h, A.member);
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
  const setA = await freshSet();
  const freshPattern = async () => (await post(`/api/v1/agents/${agentA.id}/patterns`, { title: uniqueName('Pattern') }, 201)).id as string;
  const freshRun = async () => (await post('/api/v1/eval/runs', { agent_id: agentA.id, golden_set_id: setA.id }, 202)).id as string;
  const runA = await freshRun();
  const templateA = (await post('/api/v1/eval/templates', { name: uniqueName('Tpl'), agent_type: 'search_retrieval' }, 201)).id as string;
  const startedRun = async () => {
    const id = await freshRun();
    return expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202).job_id as string;
  };
  const jobA = await startedRun();
  const maintenanceRunA = expectSuccess(
    await h.http.post('/api/v1/system/queue/maintenance/run').set(bearer(g.api_key)).set('Idempotency-Key', randomUUID()).send({ org_id: A.org_id }),
    200,
  ).run.id as string;
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

  const c: MatrixContext = {
    h,
    g,
    A,
    agentA,
    setA,
    runA,
    templateA,
    jobA,
    maintenanceRunA,
    q: `org_id=${A.org_id}`,
    hookUrl,
    endpointA,
    deliveryA,
    comparePairA,
    compareA,
    calibrationA,
    calibrationBody,
    post,
    freshSet,
    freshPattern,
    freshRun,
    startedRun,
    freshEndpoint,
    freshViolation,
  };
  return [...agentRows(c), ...evalRows(c), ...systemRows(c)];
}

/** Calls one row's operation, with the given Authorization header (none when undefined). */
export async function callEndpoint(h: ApiHarness, ep: Endpoint, authorization?: string) {
  const path = await ep.path();
  let req =
    ep.method === 'get' ? h.http.get(path) : ep.method === 'patch' ? h.http.patch(path) : ep.method === 'delete' ? h.http.delete(path) : h.http.post(path);
  if (authorization !== undefined) req = req.set('Authorization', authorization);
  if (ep.idempotent) req = req.set('Idempotency-Key', randomUUID());
  return ep.body ? req.send(ep.body()) : req;
}
