import { rollupsOf } from './portfolio-health.service';
import { changeOf } from './score-trend.service';
import type { PortfolioAgentItem, RunPoint } from './views.types';

const point = (pass_rate: number, extra: Partial<RunPoint> = {}): RunPoint => ({
  run_id: `run-${pass_rate}`,
  name: '',
  run_type: 'standard',
  judge_config_hash: null,
  completed_at: '2026-01-01T00:00:00.000Z',
  total_cases: 10,
  result_count: 10,
  error_count: 0,
  error_rate: 0,
  answer_correct_rate: pass_rate,
  source_correct_rate: 1,
  quality_pass_rate: pass_rate,
  pass_rate,
  ...extra,
});

const agent = (over: Partial<PortfolioAgentItem>): PortfolioAgentItem => ({
  agent_id: 'a',
  name: 'a',
  agent_status: 'active',
  posture: { status: 'pass', blocker_kinds: [] },
  latest_decision: null,
  latest_completed_run: null,
  open_slo_violations: 0,
  open_critical_patterns: 0,
  ...over,
});

describe('portfolio roll-ups', () => {
  it('count postures, blocker kinds, decisions and open items over every agent', () => {
    const r = rollupsOf([
      agent({ posture: { status: 'blocked', blocker_kinds: ['open_slo_violations', 'readiness_pending'] }, open_slo_violations: 2 }),
      agent({ posture: { status: 'blocked', blocker_kinds: ['open_slo_violations'] }, open_slo_violations: 1, open_critical_patterns: 3 }),
      agent({ latest_decision: { id: 'd', decision: 'go', reason: 'ok', created_at: '' }, latest_completed_run: point(0.9) }),
      agent({ latest_decision: { id: 'e', decision: 'rollback', reason: 'bad', created_at: '' }, latest_completed_run: point(0.6) }),
    ]);
    expect(r).toEqual({
      agent_count: 4,
      agents_by_posture: { pass: 2, blocked: 2 },
      blocked_by_kind: { open_slo_violations: 2, readiness_pending: 1 },
      agents_by_latest_decision: { go: 1, no_go: 0, rollback: 1, none: 2 },
      open_slo_violations: 3,
      open_critical_patterns: 3,
      agents_with_completed_runs: 2,
      average_latest_pass_rate: 0.75,
    });
  });

  it('an org without agents or without completed runs has no average pass rate', () => {
    expect(rollupsOf([])).toMatchObject({ agent_count: 0, average_latest_pass_rate: null });
    expect(rollupsOf([agent({})])).toMatchObject({ agent_count: 1, agents_with_completed_runs: 0, average_latest_pass_rate: null });
  });
});

describe('score trend change', () => {
  it('is the last point minus the first, rounded like the rates', () => {
    expect(changeOf([point(0.5), point(0.9), point(0.7)])).toEqual({
      answer_correct_rate: 0.2,
      source_correct_rate: 0,
      quality_pass_rate: 0.2,
      pass_rate: 0.2,
    });
    expect(changeOf([point(0.1), point(0.3)])!.pass_rate).toBe(0.2);
  });

  it('needs two points', () => {
    expect(changeOf([])).toBeNull();
    expect(changeOf([point(1)])).toBeNull();
  });
});
