import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { SloPolicyEntity, SloViolationEntity } from '@greenlight/database';
import type { NotificationEvent, OutboxRef } from '@greenlight/notifications';
import { ActivityService, Clock, DomainError } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import type { SloBreach } from './slo-checks';
import type { SloMetric } from './slo-policy.types';
import { SloViolationView, toViolationView } from './slo-violation.types';

type Emit = (event: NotificationEvent) => Promise<OutboxRef[]>;

/** What breached: a run or a compare (exactly one). */
export type ViolationSource = { run_id: string; compare_id?: undefined } | { compare_id: string; run_id?: undefined };

/** The violations a clean compare remedies: regressions counted, or judged significant, no longer exist. */
const REMEDIED_BY_CLEAN_COMPARE: SloMetric[] = ['max_regression_count', 'require_no_significant_regression'];

/**
 * Opening and resolving SLO violations, always in the caller's transaction. A run or a compare opens
 * at most one violation per metric (a unique index), so checking the same run twice opens nothing new.
 * Every violation opened is announced: a `slo_violation` webhook event and activity row.
 */
@Injectable()
export class SloViolations {
  constructor(
    private readonly activity: ActivityService,
    private readonly clock: Clock,
  ) {}

  /** Opens one violation per breach not opened before for the same source; the ids of those opened. */
  async open(m: EntityManager, policy: SloPolicyEntity, source: ViolationSource, breaches: SloBreach[], emit: Emit, actor: Actor | null): Promise<string[]> {
    const opened: string[] = [];
    const column = source.run_id ? 'source_run_id' : 'source_compare_id';
    for (const b of breaches) {
      const rows: { id: string; created_at: Date }[] = await m.query(
        `INSERT INTO slo_violations (org_id, agent_id, policy_id, policy_version, metric, observed_value, threshold_value, details, source_run_id, source_compare_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)
         ON CONFLICT (metric, ${column}) WHERE ${column} IS NOT NULL DO NOTHING
         RETURNING id, created_at`,
        [
          policy.org_id,
          policy.agent_id,
          policy.id,
          policy.version,
          b.metric,
          b.observed_value,
          b.threshold_value,
          JSON.stringify(b.details),
          source.run_id ?? null,
          source.compare_id ?? null,
          this.clock.date(),
        ],
      );
      if (rows.length === 0) continue;
      const data = {
        violation_id: rows[0].id,
        agent_id: policy.agent_id,
        metric: b.metric,
        observed_value: b.observed_value,
        threshold_value: b.threshold_value,
        source_run_id: source.run_id ?? null,
        source_compare_id: source.compare_id ?? null,
        policy_version: policy.version,
      };
      await emit({ org_id: policy.org_id, event_type: 'slo_violation', data });
      await this.activity.record(m, actor, { org_id: policy.org_id, agent_id: policy.agent_id, event_type: 'slo_violation', metadata: data });
      opened.push(rows[0].id);
    }
    return opened;
  }

  /** A clean compare resolves the agent's open regression violations (resolution `remediation`); their ids. */
  async remedy(m: EntityManager, orgId: string, agentId: string, compareId: string, actor: Actor | null): Promise<string[]> {
    const [rows]: [{ id: string; metric: string }[]] = await m.query(
      `UPDATE slo_violations SET status = 'resolved', resolution = 'remediation', resolution_reason = $4,
              resolved_at = $5, resolved_by_key_id = $6
       WHERE org_id = $1 AND agent_id = $2 AND status = 'open' AND metric = ANY($3) RETURNING id, metric`,
      [orgId, agentId, REMEDIED_BY_CLEAN_COMPARE, `clean compare ${compareId}`, this.clock.date(), actor?.key_id ?? null],
    );
    const ids = rows.map((r) => r.id).sort();
    if (ids.length > 0) {
      await this.activity.record(m, actor, {
        org_id: orgId,
        agent_id: agentId,
        event_type: 'slo_violation_resolved',
        metadata: { violation_ids: ids, resolution: 'remediation', compare_id: compareId },
      });
    }
    return ids;
  }

  /** Resolves one open violation by hand, with the reason; 409 SLO_VIOLATION_NOT_OPEN when it is resolved already. */
  async resolve(m: EntityManager, violation: SloViolationEntity, reason: string, actor: Actor): Promise<SloViolationView> {
    const [rows]: [SloViolationEntity[]] = await m.query(
      `UPDATE slo_violations SET status = 'resolved', resolution = 'manual', resolution_reason = $2, resolved_at = $3, resolved_by_key_id = $4
       WHERE id = $1 AND status = 'open' RETURNING *`,
      [violation.id, reason, this.clock.date(), actor.key_id ?? null],
    );
    if (rows.length === 0) {
      throw new DomainError(ErrorCode.SLO_VIOLATION_NOT_OPEN, 'the SLO violation is not open', { violation_id: violation.id, status: 'resolved' });
    }
    await this.activity.record(m, actor, {
      org_id: violation.org_id,
      agent_id: violation.agent_id,
      event_type: 'slo_violation_resolved',
      metadata: { violation_ids: [violation.id], metric: violation.metric, resolution: 'manual', reason },
    });
    return toViolationView(m.create(SloViolationEntity, rows[0]));
  }
}
