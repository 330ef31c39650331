import type { IssuePatternEntity, PatternPriority, PatternStatus, PatternStatusChange } from '@greenlight/database';
import type { NotificationEvent, OutboxRef } from '@greenlight/notifications';

/** The primary tag of patterns a compare opens for a regressed baseline/candidate pair. */
export const REGRESSION_PATTERN_TAG = 'regression_compare';

/** A pattern as the API shows it (its status history is read through the history endpoint). */
export interface PatternView {
  id: string;
  org_id: string;
  agent_id: string;
  title: string;
  description: string;
  status: PatternStatus;
  priority: PatternPriority;
  owner: string | null;
  root_cause: string | null;
  suggested_fix: string | null;
  tags: string[];
  primary_tag: string | null;
  linked_case_ids: string[];
  verification: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  resolved_date: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The pattern's current state plus every status move it made, oldest first. */
export interface PatternHistoryView extends PatternView {
  status_history: PatternStatusChange[];
}

/** What a PATCH did: the pattern after it, and the event a status change queued (null without one). */
export interface PatternUpdateResult {
  pattern: PatternView;
  notification: { event: 'pattern_status_changed'; queued: number } | null;
}

export interface PatternListFilter {
  status?: PatternStatus;
  priority?: PatternPriority;
  primary_tag?: string;
  tag?: string;
}

export interface CreatePatternInput {
  title: string;
  description?: string;
  priority?: PatternPriority;
  owner?: string | null;
  root_cause?: string | null;
  suggested_fix?: string | null;
  tags?: string[];
  primary_tag?: string | null;
  linked_case_ids?: string[];
  metadata?: Record<string, unknown>;
}

export interface UpdatePatternInput {
  status?: PatternStatus;
  priority?: PatternPriority;
  owner?: string | null;
  root_cause?: string | null;
  suggested_fix?: string | null;
  tags?: string[];
  linked_case_ids?: string[];
  verification?: Record<string, unknown> | null;
  status_note?: string | null;
  /** ISO date-time; only for a pattern that is (or becomes) resolved. */
  resolved_date?: string | null;
  force?: boolean;
}

/** Records a webhook event in the caller's transaction and says which deliveries it queued. */
export type EmitEvent = (event: NotificationEvent) => Promise<OutboxRef[]>;

export function toPatternView(row: IssuePatternEntity): PatternView {
  return {
    id: row.id,
    org_id: row.org_id,
    agent_id: row.agent_id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    owner: row.owner,
    root_cause: row.root_cause,
    suggested_fix: row.suggested_fix,
    tags: row.tags,
    primary_tag: row.primary_tag,
    linked_case_ids: row.linked_case_ids,
    verification: row.verification,
    metadata: row.metadata,
    resolved_date: row.resolved_date,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
