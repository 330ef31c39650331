import type { EntityManager } from 'typeorm';

/**
 * A golden set is fit to judge an agent only with enough active cases, and enough of them verified
 * by a human. A run that asks for this gate does not start while it is blocked; clients can check it
 * beforehand.
 */
export interface QualityGateThresholds {
  min_active_case_count: number;
  min_verified_case_ratio: number;
}

export interface QualityGateStatus {
  golden_set_id: string;
  golden_set_version: number;
  active_case_count: number;
  verified_case_count: number;
  verified_case_ratio: number;
  thresholds: QualityGateThresholds;
  passed: boolean;
  blockers: { rule: string; message: string; actual: number; required: number }[];
}

/** The gate of set `setId` at `version`, with a blocker for each rule it misses. */
export async function computeQualityGate(m: EntityManager, setId: string, version: number, t: QualityGateThresholds): Promise<QualityGateStatus> {
  const [row] = await m.query(
    `SELECT count(*) FILTER (WHERE is_active)::int AS active, count(*) FILTER (WHERE is_active AND verified_at IS NOT NULL)::int AS verified
     FROM golden_set_cases WHERE golden_set_id = $1`,
    [setId],
  );
  const active = Number(row.active);
  const verified = Number(row.verified);
  const ratio = active === 0 ? 0 : Math.round((verified / active) * 10_000) / 10_000;
  const blockers: QualityGateStatus['blockers'] = [];
  if (active < t.min_active_case_count) {
    blockers.push({
      rule: 'min_active_case_count',
      message: `${active} active cases, ${t.min_active_case_count} required`,
      actual: active,
      required: t.min_active_case_count,
    });
  }
  if (ratio < t.min_verified_case_ratio) {
    blockers.push({
      rule: 'min_verified_case_ratio',
      message: `${(ratio * 100).toFixed(1)}% of active cases verified, ${(t.min_verified_case_ratio * 100).toFixed(1)}% required`,
      actual: ratio,
      required: t.min_verified_case_ratio,
    });
  }
  return {
    golden_set_id: setId,
    golden_set_version: version,
    active_case_count: active,
    verified_case_count: verified,
    verified_case_ratio: ratio,
    thresholds: t,
    passed: blockers.length === 0,
    blockers,
  };
}
