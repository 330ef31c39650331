import type { DataSource, EntityManager } from 'typeorm';
import type { RunConfig } from '@greenlight/contracts';
import { BLOCKER_ITEM_CAP } from './launch-gate.types';

type Db = DataSource | EntityManager;

export interface ListedRows<T> {
  total: number;
  items: T[];
}

/** Times read through JSON arrive as ISO text; everything that shows them goes through `new Date`. */
export interface PatternRow {
  id: string;
  title: string;
  status: string;
  created_at: Date | string;
}

export interface ViolationRow {
  id: string;
  metric: string;
  observed_value: number | null;
  threshold_value: number | null;
  source_run_id: string | null;
  source_compare_id: string | null;
  created_at: Date | string;
}

export interface ReadinessRow {
  pending_count: number;
  items: { key: string; title: string; owner: string | null; status: string }[];
}

export interface PolicyRow {
  id: string;
  version: number;
  thresholds: Record<string, unknown>;
}

export interface CompareRow {
  id: string;
  verdict: string;
  regression_count: number;
  baseline_run_id: string;
  candidate_run_id: string;
  created_at: Date | string;
}

export interface RunRow {
  id: string;
  golden_set_id: string;
  golden_set_version: number;
  judge_config_hash: string | null;
  /** Only read for runs created before the judge hash existed (the hash is computed from it). */
  config: RunConfig | null;
  completed_at: Date | string | null;
}

/** Everything the gate reads about a set of agents, keyed by agent id. */
export interface GateInputs {
  patterns: Map<string, ListedRows<PatternRow>>;
  violations: Map<string, ListedRows<ViolationRow>>;
  readiness: Map<string, ReadinessRow>;
  policies: Map<string, PolicyRow>;
  compares: Map<string, CompareRow>;
  runs: Map<string, RunRow>;
}

/** Rows grouped by `agent_id`, each group keeping its total (the `total` column) and its first rows. */
function listed<T>(rows: (T & { agent_id: string; total: number; n?: number })[]): Map<string, ListedRows<T>> {
  const out = new Map<string, ListedRows<T>>();
  for (const { agent_id, total, n: _n, ...row } of rows) {
    const group = out.get(agent_id) ?? { total: Number(total), items: [] };
    group.items.push(row as unknown as T);
    out.set(agent_id, group);
  }
  return out;
}

function byAgent<T>(rows: (T & { agent_id: string })[]): Map<string, T> {
  return new Map(rows.map(({ agent_id, ...row }) => [agent_id, row as unknown as T]));
}

/** A float column read through JSON: Postgres writes NaN and the infinities as strings there. */
const float = (v: number | string | null) => (typeof v === 'string' ? Number(v) : v);

/**
 * The six inputs of the gate as six columns of JSON arrays, to select in one statement (one round
 * trip instead of six): critical unresolved patterns (the first few of each agent and their count),
 * open violations (likewise), readiness, SLO policies, the latest stored compare and the latest
 * completed run (the same order as everywhere else: completion time, then creation time, then id);
 * and `found`, which of the agents exist in the org. `org` is an SQL expression of the org id, `agents`
 * one of the agent ids (a uuid array); callers may name columns of an outer query there.
 */
export function gateInputsColumns(org: string, agents: string): string {
  return `(SELECT coalesce(json_agg(x ORDER BY x.agent_id, x.n), '[]') FROM (
     SELECT agent_id, id, title, status, created_at, count(*) OVER (PARTITION BY agent_id) AS total,
            row_number() OVER (PARTITION BY agent_id ORDER BY created_at, id) AS n
       FROM issue_patterns
      WHERE org_id = ${org} AND agent_id = ANY(${agents}) AND priority = 'critical' AND status <> 'resolved') x
    WHERE x.n <= ${BLOCKER_ITEM_CAP}) AS gate_patterns,
  (SELECT coalesce(json_agg(x ORDER BY x.agent_id, x.n), '[]') FROM (
     SELECT agent_id, id, metric, observed_value, threshold_value, source_run_id, source_compare_id, created_at,
            count(*) OVER (PARTITION BY agent_id) AS total,
            row_number() OVER (PARTITION BY agent_id ORDER BY created_at, id) AS n
       FROM slo_violations
      WHERE org_id = ${org} AND agent_id = ANY(${agents}) AND status = 'open') x
    WHERE x.n <= ${BLOCKER_ITEM_CAP}) AS gate_violations,
  (SELECT coalesce(json_agg(x), '[]') FROM (
     SELECT agent_id, pending_count, items FROM agent_readiness WHERE org_id = ${org} AND agent_id = ANY(${agents})) x) AS gate_readiness,
  (SELECT coalesce(json_agg(x), '[]') FROM (
     SELECT agent_id, id, version, thresholds FROM slo_policies WHERE org_id = ${org} AND agent_id = ANY(${agents})) x) AS gate_policies,
  (SELECT coalesce(json_agg(x), '[]') FROM (
     SELECT a.id AS agent_id, c.* FROM unnest(${agents}) AS a(id)
     CROSS JOIN LATERAL (
       SELECT id, verdict, regression_count, baseline_run_id, candidate_run_id, created_at FROM eval_compares x
        WHERE x.agent_id = a.id AND x.org_id = ${org} ORDER BY x.created_at DESC, x.id DESC LIMIT 1) c) x) AS gate_compares,
  (SELECT coalesce(json_agg(x), '[]') FROM (
     SELECT a.id AS agent_id, r.id, r.golden_set_id, s.version AS golden_set_version, r.judge_config_hash, r.config, r.completed_at
       FROM unnest(${agents}) AS a(id)
       CROSS JOIN LATERAL (
         SELECT x.id, x.golden_set_id, x.judge_config_hash, CASE WHEN x.judge_config_hash IS NULL THEN x.config END AS config, x.completed_at
           FROM eval_runs x
          WHERE x.agent_id = a.id AND x.org_id = ${org} AND x.status = 'completed'
          ORDER BY x.completed_at DESC, x.created_at DESC, x.id LIMIT 1) r
       JOIN golden_sets s ON s.id = r.golden_set_id) x) AS gate_runs,
  (SELECT coalesce(json_agg(id), '[]') FROM agents WHERE org_id = ${org} AND id = ANY(${agents})) AS gate_found`;
}

/** The columns of `gateInputsColumns` as the driver returns them. */
export interface GateInputsRow {
  gate_patterns: (PatternRow & { agent_id: string; total: number; n: number })[];
  gate_violations: (Omit<ViolationRow, 'observed_value' | 'threshold_value'> & {
    agent_id: string;
    total: number;
    n: number;
    observed_value: number | string | null;
    threshold_value: number | string | null;
  })[];
  gate_readiness: (ReadinessRow & { agent_id: string })[];
  gate_policies: (PolicyRow & { agent_id: string })[];
  gate_compares: (CompareRow & { agent_id: string })[];
  gate_runs: (RunRow & { agent_id: string })[];
  gate_found: string[];
}

/** The gate's inputs from a row holding the columns of `gateInputsColumns`. */
export function gateInputsFrom(row: GateInputsRow): GateInputs & { found: Set<string> } {
  return {
    patterns: listed<PatternRow>(row.gate_patterns),
    violations: listed<ViolationRow>(
      row.gate_violations.map((v) => ({ ...v, observed_value: float(v.observed_value), threshold_value: float(v.threshold_value) })),
    ),
    readiness: byAgent<ReadinessRow>(row.gate_readiness),
    policies: byAgent<PolicyRow>(row.gate_policies),
    compares: byAgent<CompareRow>(row.gate_compares),
    runs: byAgent<RunRow>(row.gate_runs),
    found: new Set(row.gate_found),
  };
}

/**
 * Reads the gate's inputs for every agent of `agentIds` in org `orgId` (or for every agent of the org)
 * in one statement, whatever the number of agents, and the set of those agents that belong to the org.
 */
export async function readGateInputs(db: Db, orgId: string, agentIds: string[] | 'whole org'): Promise<GateInputs & { found: Set<string> }> {
  const [row]: GateInputsRow[] =
    agentIds === 'whole org'
      ? await db.query(`SELECT ${gateInputsColumns('$1::uuid', 'ARRAY(SELECT id FROM agents WHERE org_id = $1::uuid)')}`, [orgId])
      : await db.query(`SELECT ${gateInputsColumns('$1::uuid', '$2::uuid[]')}`, [orgId, agentIds]);
  return gateInputsFrom(row);
}

export interface CalibrationRow {
  id: string;
  run_id: string;
  judge_config_hash: string | null;
  agreement: Record<string, unknown>;
  kappa: Record<string, unknown>;
  created_at: Date;
}

/** The latest calibration of each agent (newest first by creation time, then id), in one query. */
export async function readLatestCalibrations(db: Db, orgId: string, agentIds: string[]): Promise<Map<string, CalibrationRow>> {
  if (agentIds.length === 0) return new Map();
  const rows = await db.query(
    `SELECT a.id AS agent_id, c.* FROM unnest($2::uuid[]) AS a(id)
     CROSS JOIN LATERAL (
       SELECT id, run_id, judge_config_hash, agreement, kappa, created_at FROM calibration_runs x
        WHERE x.org_id = $1 AND x.agent_id = a.id ORDER BY x.created_at DESC, x.id DESC LIMIT 1) c`,
    [orgId, agentIds],
  );
  return byAgent<CalibrationRow>(rows);
}

/** Active and verified case counts of each golden set, in one query (the columns the quality gate reads). */
export async function readCaseCounts(db: Db, setIds: string[]): Promise<Map<string, { active: number; verified: number }>> {
  if (setIds.length === 0) return new Map();
  const rows: { golden_set_id: string; active: number; verified: number }[] = await db.query(
    `SELECT s.id AS golden_set_id,
            count(c.id) FILTER (WHERE c.is_active)::int AS active,
            count(c.id) FILTER (WHERE c.is_active AND c.verified_at IS NOT NULL)::int AS verified
       FROM unnest($1::uuid[]) AS s(id) LEFT JOIN golden_set_cases c ON c.golden_set_id = s.id
      GROUP BY s.id`,
    [setIds],
  );
  return new Map(rows.map((r) => [r.golden_set_id, { active: Number(r.active), verified: Number(r.verified) }]));
}
