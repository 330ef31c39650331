import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CompareVerdict } from '@greenlight/database';
import type { NotificationEvent, OutboxRef } from '@greenlight/notifications';
import type { Actor } from '@greenlight/tenancy';

/** What a listener learns of a compare being stored. */
export interface StoredCompare {
  compare_id: string;
  org_id: string;
  agent_id: string;
  baseline_run_id: string;
  candidate_run_id: string;
  regression_count: number;
  verdict: CompareVerdict;
  created_at: Date;
}

/** What a listener did that the compare's answer reports. */
export interface CompareListenerOutcome {
  /** Ids of SLO violations the compare resolved (a clean compare remedies regression violations). */
  resolved_slo_violations?: string[];
}

/**
 * Told about a compare inside the transaction that stores it: its writes and events commit with the
 * compare or not at all. `emit` records a webhook event in that transaction.
 */
export type CompareStoredListener = (
  m: EntityManager,
  compare: StoredCompare,
  emit: (event: NotificationEvent) => Promise<OutboxRef[]>,
  actor: Actor,
) => Promise<CompareListenerOutcome | void>;

/**
 * Where features built on top of compares plug in without governance knowing them (the launch SLOs
 * check every stored compare). Each registers under a name, once per process, in `onModuleInit`.
 */
@Injectable()
export class CompareHooks {
  private readonly listeners = new Map<string, CompareStoredListener>();

  addStoredListener(name: string, listener: CompareStoredListener): void {
    this.listeners.set(name, listener);
  }

  /** Calls every listener in registration order; a failure rolls the compare back with it. */
  async stored(
    m: EntityManager,
    compare: StoredCompare,
    emit: (event: NotificationEvent) => Promise<OutboxRef[]>,
    actor: Actor,
  ): Promise<CompareListenerOutcome> {
    const resolved: string[] = [];
    for (const listener of this.listeners.values()) {
      const outcome = await listener(m, compare, emit, actor);
      if (outcome?.resolved_slo_violations) resolved.push(...outcome.resolved_slo_violations);
    }
    return { resolved_slo_violations: resolved };
  }
}
