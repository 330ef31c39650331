import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentEntity, SloPolicyEntity, SloViolationEntity } from '@greenlight/database';
import { ActivityService, Clock, DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { SLO_THRESHOLD_KEYS, SloPolicyView, SloThresholds, toPolicyView } from './slo-policy.types';
import { SloViolationView } from './slo-violation.types';
import { SloViolations } from './slo-violations';

/** Reading and writing an agent's SLO policy, and resolving its violations by hand. */
@Injectable()
export class SloPolicyService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly activity: ActivityService,
    private readonly clock: Clock,
    private readonly violations: SloViolations,
  ) {}

  /** The agent's policy; 404 when the agent has none. */
  async get(actor: Actor, agentId: string): Promise<SloPolicyView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const row = await this.db.getRepository(SloPolicyEntity).findOneBy({ org_id: agent.org_id, agent_id: agent.id });
    if (!row) throw DomainError.notFound('slo policy of agent', agent.id);
    return toPolicyView(row);
  }

  /**
   * Sets the agent's whole policy: the fields given, every other field unset. The first write creates
   * it at version 1; each later write bumps the version (violations keep the version they breached).
   */
  async upsert(actor: Actor, agentId: string, input: SloThresholds): Promise<{ policy: SloPolicyView; created: boolean }> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const thresholds: Record<string, unknown> = {};
    for (const k of SLO_THRESHOLD_KEYS) if (input[k] !== undefined && input[k] !== null) thresholds[k] = input[k];
    const now = this.clock.date();
    return this.db.transaction(async (m) => {
      const rows: (SloPolicyEntity & { inserted: boolean })[] = await m.query(
        `INSERT INTO slo_policies (org_id, agent_id, thresholds, version, updated_by_key_id, created_at, updated_at)
         VALUES ($1, $2, $3::jsonb, 1, $4, $5, $5)
         ON CONFLICT (agent_id) DO UPDATE SET thresholds = EXCLUDED.thresholds, version = slo_policies.version + 1,
           updated_by_key_id = EXCLUDED.updated_by_key_id, updated_at = EXCLUDED.updated_at
         RETURNING *, (xmax = 0) AS inserted`,
        [agent.org_id, agent.id, JSON.stringify(thresholds), actor.key_id ?? null, now],
      );
      const row = m.create(SloPolicyEntity, rows[0]);
      await this.activity.record(m, actor, {
        org_id: agent.org_id,
        agent_id: agent.id,
        event_type: 'slo_policy_updated',
        metadata: { policy_id: row.id, version: row.version, thresholds },
      });
      return { policy: toPolicyView(row), created: rows[0].inserted };
    });
  }

  /** Resolves an open violation of the agent by hand; 404 for a violation of another agent or org. */
  async resolveViolation(actor: Actor, agentId: string, violationId: string, reason: string): Promise<SloViolationView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    return this.db.transaction(async (m) => {
      const violation = await m.findOneBy(SloViolationEntity, { id: violationId, org_id: agent.org_id, agent_id: agent.id });
      if (!violation) throw DomainError.notFound('slo violation', violationId);
      return this.violations.resolve(m, violation, reason, actor);
    });
  }
}
