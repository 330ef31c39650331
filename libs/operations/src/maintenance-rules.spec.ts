import { scheduleWindow } from './maintenance-schedule';
import { mergePolicy } from './maintenance-policies';
import type { MaintenancePolicy, ScheduleSummaryView } from './maintenance.types';
import { anomalyFingerprint, detectAnomalies } from './schedule-alerts';

const POLICY: MaintenancePolicy = {
  stale_run_seconds: 900,
  max_runtime_seconds: 21_600,
  retention_days: 7,
  reap_limit: 100,
  prune_limit: 1000,
  schedule_enabled: true,
  schedule_alert_enabled: true,
  schedule_alert_dedupe_hit_rate_threshold: 0.5,
  schedule_alert_min_execution_success_rate: 0.9,
  schedule_alert_cooldown_minutes: 60,
};

function summary(over: Partial<ScheduleSummaryView>): ScheduleSummaryView {
  return {
    org_id: 'org',
    schedule_name: 'nightly',
    window_days: 30,
    trigger_count: 0,
    executed_count: 0,
    deduped_count: 0,
    dedupe_hit_rate: 0,
    successful_executions: 0,
    failed_executions: 0,
    execution_success_rate: 1,
    last_trigger_at: null,
    last_executed_at: null,
    last_execution_status: null,
    ...over,
  };
}

describe('scheduleWindow', () => {
  it('puts a trigger in the window of its length that contains it, named by that window and the mode', () => {
    const w = scheduleWindow('nightly', 3_600_000, new Date('2026-03-01T10:59:59.999Z'), true);
    expect(w).toEqual({
      schedule_name: 'nightly',
      window_minutes: 60,
      window_started_at: new Date('2026-03-01T10:00:00.000Z'),
      dedupe_key: 'nightly:60m:2026-03-01T10:00:00.000Z:dry',
    });
    expect(scheduleWindow('nightly', 3_600_000, new Date('2026-03-01T11:00:00.000Z'), true).window_started_at).toEqual(new Date('2026-03-01T11:00:00.000Z'));
  });

  it('names windows shorter than a minute (or not whole minutes) in milliseconds; live and dry runs never share a key', () => {
    const at = new Date('2026-03-01T10:00:03.500Z');
    expect(scheduleWindow('worker', 2000, at, false)).toMatchObject({
      window_started_at: new Date('2026-03-01T10:00:02.000Z'),
      dedupe_key: 'worker:2000ms:2026-03-01T10:00:02.000Z:live',
    });
    expect(scheduleWindow('worker', 90_000, at, false).dedupe_key).toBe('worker:90000ms:2026-03-01T10:00:00.000Z:live');
    expect(scheduleWindow('worker', 2000, at, true).dedupe_key).not.toBe(scheduleWindow('worker', 2000, at, false).dedupe_key);
  });
});

describe('detectAnomalies', () => {
  it('no triggers, no finished executions: nothing to alert, however the rates read', () => {
    expect(detectAnomalies(summary({ dedupe_hit_rate: 1, execution_success_rate: 0 }), POLICY)).toEqual([]);
  });

  it('a dedupe hit rate above the threshold and a success rate below the minimum are both anomalies; at the thresholds they are not', () => {
    const high = summary({ trigger_count: 4, dedupe_hit_rate: 0.75, successful_executions: 1, failed_executions: 1, execution_success_rate: 0.5 });
    expect(detectAnomalies(high, POLICY)).toEqual([
      { kind: 'dedupe_hit_rate_high', value: 0.75, threshold: 0.5 },
      { kind: 'execution_success_rate_low', value: 0.5, threshold: 0.9 },
    ]);
    const edge = summary({ trigger_count: 4, dedupe_hit_rate: 0.5, successful_executions: 9, failed_executions: 1, execution_success_rate: 0.9 });
    expect(detectAnomalies(edge, POLICY)).toEqual([]);
  });
});

describe('anomalyFingerprint', () => {
  it('names which anomalies there are for which org and schedule, not their values', () => {
    const a = anomalyFingerprint('org', 'nightly', [{ kind: 'dedupe_hit_rate_high', value: 0.6, threshold: 0.5 }]);
    expect(anomalyFingerprint('org', 'nightly', [{ kind: 'dedupe_hit_rate_high', value: 0.9, threshold: 0.2 }])).toBe(a);
    expect(anomalyFingerprint('other', 'nightly', [{ kind: 'dedupe_hit_rate_high', value: 0.6, threshold: 0.5 }])).not.toBe(a);
    expect(anomalyFingerprint('org', null, [{ kind: 'dedupe_hit_rate_high', value: 0.6, threshold: 0.5 }])).not.toBe(a);
    expect(anomalyFingerprint('org', 'nightly', [])).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not depend on the order the anomalies were found in', () => {
    const low = { kind: 'execution_success_rate_low' as const, value: 0.1, threshold: 0.9 };
    const high = { kind: 'dedupe_hit_rate_high' as const, value: 0.9, threshold: 0.5 };
    expect(anomalyFingerprint('org', 'n', [low, high])).toBe(anomalyFingerprint('org', 'n', [high, low]));
  });
});

describe('mergePolicy', () => {
  it('takes the fields given, keeps the rest, and drops what is not a policy field', () => {
    const saved = { ...POLICY, org_id: 'org', updated_by_key_id: 'k', schedule_alert_dedupe_hit_rate_threshold: '0.25' as unknown as number };
    expect(mergePolicy(saved, { retention_days: 3, reap_limit: undefined })).toEqual({
      ...POLICY,
      retention_days: 3,
      schedule_alert_dedupe_hit_rate_threshold: 0.25,
    });
  });
});
