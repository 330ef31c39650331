import type { CalibrationService } from '@greenlight/calibration';
import { ManualClock } from '@greenlight/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { LaunchGateService } from './launch-gate.service';

const ORG = '00000000-0000-4000-8000-000000000001';
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const OTHER = '00000000-0000-4000-8000-0000000000ff';

/**
 * The gate's inputs as the database gives them through JSON: agent A requires both the calibration and
 * the golden-set gates and has a critical pattern, an open violation (NaN observed, as Postgres writes
 * it in JSON) and a latest run; agent B has nothing; OTHER is not in the org.
 */
function inputsRow() {
  return {
    gate_patterns: [{ agent_id: A, id: 'p1', title: 'leaks', status: 'open', created_at: '2026-01-01T00:00:00.123456+00:00', total: 1, n: 1 }],
    gate_violations: [
      {
        agent_id: A,
        id: 'v1',
        metric: 'pass_rate',
        observed_value: 'NaN',
        threshold_value: 0.7,
        source_run_id: null,
        source_compare_id: null,
        created_at: '2026-01-01T00:00:00+00:00',
        total: 1,
        n: 1,
      },
    ],
    gate_readiness: [],
    gate_policies: [{ agent_id: A, id: 'pol', version: 2, thresholds: { require_calibration_gate: true, require_golden_set_quality_gate: true } }],
    gate_compares: [],
    gate_runs: [
      {
        agent_id: A,
        id: 'run1',
        golden_set_id: 'set1',
        golden_set_version: 1,
        judge_config_hash: 'h1',
        config: null,
        completed_at: '2026-01-02T03:04:05.678999+00:00',
      },
    ],
    gate_found: [A, B],
  };
}

/** A transaction's manager: one connection, so it fails a query sent while another is running. */
function oneConnection() {
  let running = 0;
  const sent: string[] = [];
  const query = async (sql: string) => {
    if (running > 0) throw new Error('a query was sent while another was running on this connection');
    running += 1;
    sent.push(sql);
    await new Promise((r) => setTimeout(r, 5));
    running -= 1;
    if (sql.includes('gate_patterns')) return [inputsRow()];
    return [];
  };
  return { m: { query } as unknown as EntityManager, sent };
}

const service = () =>
  new LaunchGateService({ query: async () => [] } as unknown as DataSource, new ManualClock(Date.parse('2026-02-01T00:00:00Z')), {} as CalibrationService);

describe('LaunchGateService.evaluateMany', () => {
  it("through a transaction's manager sends its queries one after another, and reads the inputs in one statement", async () => {
    const { m, sent } = oneConnection();
    const gates = await service().evaluateMany(ORG, [A, B, OTHER, A], m);
    // inputs (one statement), then the latest calibrations and the case counts that the policy of A requires
    expect(sent).toHaveLength(3);
    expect([...gates.keys()]).toEqual([A, B]);
  });

  it('reads times and floats that came through JSON as the driver would have given them', async () => {
    const { m } = oneConnection();
    const gate = (await service().evaluateMany(ORG, [A], m)).get(A)!;
    expect(gate.status).toBe('blocked');
    expect(gate.blockers.map((b) => b.kind)).toEqual(['critical_issue_patterns', 'open_slo_violations', 'calibration_gate', 'golden_set_quality_gate']);
    const violation = (gate.blockers[1].details as { violations: { observed_value: number }[] }).violations[0];
    expect(Number.isNaN(violation.observed_value)).toBe(true);
    // microseconds are cut to milliseconds, as the driver's own date parsing does
    expect(gate.signals.latest_completed_run).toEqual({ id: 'run1', golden_set_id: 'set1', judge_config_hash: 'h1', completed_at: '2026-01-02T03:04:05.678Z' });
    expect(gate.signals.critical_open_patterns).toBe(1);
    expect(gate.signals.slo_policy).toEqual({ id: 'pol', version: 2 });
  });

  it('gives an agent with no signals a passing gate', async () => {
    const { m } = oneConnection();
    const gate = (await service().evaluateMany(ORG, [B], m)).get(B)!;
    expect(gate.status).toBe('pass');
    expect(gate.blockers).toEqual([]);
  });
});
