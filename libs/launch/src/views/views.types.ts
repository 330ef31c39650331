import type { RunType } from '@greenlight/database';
import type { RunRates } from '@greenlight/evaluation';
import type { LaunchGateView } from '../gate';

// What the read views of an agent's and an org's launch posture show.

/** One completed run with its rates, as the trend, health and portfolio views show it. */
export interface RunPoint extends RunRates {
  run_id: string;
  name: string;
  run_type: RunType;
  judge_config_hash: string | null;
  completed_at: string;
  total_cases: number;
}

/** One entry of an agent's activity feed. */
export interface ActivityItem {
  id: string;
  /** `activity`: a domain event of the agent; `run_event`: a step of one of its runs (only with include_run_events). */
  source: 'activity' | 'run_event';
  event_type: string;
  agent_id: string;
  /** The run the entry is about, when it is about one. */
  run_id: string | null;
  actor_key_id: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface ActivityFilter {
  event_types?: string[];
  since?: Date;
  until?: Date;
  actor_key_id?: string;
  request_id?: string;
  run_id?: string;
  include_run_events?: boolean;
}

export interface ScoreTrendQuery {
  limit: number;
  days?: number;
  run_type?: RunType;
}

export interface ScoreTrendView {
  agent_id: string;
  /** The window asked for: the newest `limit` completed runs, completed within `days` days when given. */
  window: { limit: number; days: number | null; since: string | null; run_type: RunType | null };
  /** Runs in the window, oldest first. */
  points: RunPoint[];
  /** Rate changes from the first to the last point; null with fewer than two points. */
  change: { answer_correct_rate: number; source_correct_rate: number; quality_pass_rate: number; pass_rate: number } | null;
}

/** Open (not resolved) issue patterns by priority. */
export interface PatternCounts {
  open_total: number;
  by_priority: { critical: number; high: number; medium: number; low: number };
}

/** The agent's latest launch decision, as recorded in its evidence chain. */
export interface DecisionRef {
  id: string;
  decision: string;
  reason: string | null;
  created_at: string;
}

/** What the gate said, as the health views show it. */
export interface GatePosture {
  status: 'pass' | 'blocked';
  blocker_kinds: string[];
}

export interface AgentHealthView {
  agent_id: string;
  org_id: string;
  agent_name: string;
  agent_status: string;
  /** The launch gate as `GET .../launch-gate` answers it now (status, blockers, the signals it read). */
  launch_gate: LaunchGateView;
  latest_completed_run: RunPoint | null;
  issue_patterns: PatternCounts;
  slo: { has_policy: boolean; open_violations: number };
  readiness: { exists: boolean; pending_count: number; decision_snapshot: Record<string, unknown> | null; updated_at: string | null };
  latest_decision: DecisionRef | null;
  generated_at: string;
}

export interface PortfolioAgentItem {
  agent_id: string;
  name: string;
  agent_status: string;
  posture: GatePosture;
  latest_decision: DecisionRef | null;
  latest_completed_run: RunPoint | null;
  open_slo_violations: number;
  open_critical_patterns: number;
}

export interface PortfolioRollups {
  agent_count: number;
  agents_by_posture: { pass: number; blocked: number };
  /** How many agents each blocker kind holds back (an agent counts once per kind). */
  blocked_by_kind: Record<string, number>;
  agents_by_latest_decision: { go: number; no_go: number; rollback: number; none: number };
  open_slo_violations: number;
  open_critical_patterns: number;
  agents_with_completed_runs: number;
  /** Mean of the agents' latest completed runs' pass rates; null when no agent has one. */
  average_latest_pass_rate: number | null;
}

export interface PortfolioHealthView {
  org_id: string;
  generated_at: string;
  rollups: PortfolioRollups;
  agents: { items: PortfolioAgentItem[]; limit: number; offset: number; total: number };
}
