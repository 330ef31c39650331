// The shapes of the operation matrix: a row (one API operation) and the org A data rows call on. Their
// own module, so that the per-area row modules and the matrix that joins them import it, not each other.
import type { Role } from './auth-orgs';
import type { ApiHarness, OrgKeys } from './harness';

export interface Endpoint {
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

/** Org A's data the rows call on, and makers of fresh items for rows that use one up. */
export interface MatrixContext {
  h: ApiHarness;
  g: { org_id: string; api_key: string };
  A: OrgKeys;
  agentA: { id: string };
  setA: { id: string; caseId: string };
  runA: string;
  templateA: string;
  jobA: string;
  maintenanceRunA: string;
  /** Query string selecting org A, for the system operations a global key may aim at any org. */
  q: string;
  hookUrl: string;
  endpointA: string;
  deliveryA: string;
  comparePairA: { baseline_run_id: string; candidate_run_id: string };
  compareA: string;
  calibrationA: string;
  calibrationBody: () => Record<string, unknown>;
  post: (path: string, body: unknown, status: number) => Promise<any>;
  freshSet: () => Promise<{ id: string; caseId: string }>;
  freshPattern: () => Promise<string>;
  freshRun: () => Promise<string>;
  /** A started run's start job id (no worker runs in the matrix specs, so it stays queued). */
  startedRun: () => Promise<string>;
  freshEndpoint: () => Promise<string>;
  freshViolation: () => Promise<string>;
}
