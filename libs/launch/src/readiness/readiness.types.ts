import type { AgentReadinessEntity, ReadinessItem } from '@greenlight/database';

/** Most items a readiness checklist holds. */
export const MAX_READINESS_ITEMS = 100;
/** Longest item key (letters, digits, `_`, `-`, `.`). */
export const MAX_READINESS_KEY_LENGTH = 64;
export const MAX_READINESS_TITLE_LENGTH = 200;
export const MAX_READINESS_OWNER_LENGTH = 120;
export const MAX_READINESS_NOTE_LENGTH = 2000;
export const READINESS_ITEM_STATUSES = ['pending', 'done', 'waived'] as const;

/**
 * What the checklist says about launching, kept with it: `ready` when no item is pending, otherwise
 * `not_ready` with the pending items' keys.
 */
export interface ReadinessDecisionSnapshot {
  decision: 'ready' | 'not_ready';
  total_items: number;
  pending_count: number;
  done_count: number;
  waived_count: number;
  pending_keys: string[];
  evaluated_at: string;
}

/** An agent's readiness checklist as the API shows it. */
export interface ReadinessView {
  id: string | null;
  org_id: string;
  agent_id: string;
  items: ReadinessItem[];
  pending_count: number;
  decision_snapshot: ReadinessDecisionSnapshot;
  updated_by_key_id: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** The decision a checklist supports right now. */
export function decisionOf(items: ReadinessItem[], at: Date): ReadinessDecisionSnapshot {
  const pending = items.filter((i) => i.status === 'pending');
  return {
    decision: pending.length === 0 ? 'ready' : 'not_ready',
    total_items: items.length,
    pending_count: pending.length,
    done_count: items.filter((i) => i.status === 'done').length,
    waived_count: items.filter((i) => i.status === 'waived').length,
    pending_keys: pending.map((i) => i.key),
    evaluated_at: at.toISOString(),
  };
}

export function toReadinessView(row: AgentReadinessEntity): ReadinessView {
  return {
    id: row.id,
    org_id: row.org_id,
    agent_id: row.agent_id,
    items: row.items,
    pending_count: row.pending_count,
    decision_snapshot: (row.decision_snapshot as unknown as ReadinessDecisionSnapshot) ?? decisionOf(row.items, row.updated_at),
    updated_by_key_id: row.updated_by_key_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
