import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentEntity, AgentReadinessEntity, ReadinessItem, ReadinessItemStatus } from '@greenlight/database';
import { ActivityService, Clock, DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { decisionOf, ReadinessView, toReadinessView } from './readiness.types';

export interface ReadinessItemInput {
  key: string;
  title: string;
  owner?: string | null;
  status: ReadinessItemStatus;
  note?: string | null;
}

/** An agent's launch readiness checklist: one per agent, replaced as a whole on every write. */
@Injectable()
export class ReadinessService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly activity: ActivityService,
    private readonly clock: Clock,
  ) {}

  /** The agent's checklist; an agent without one has an empty checklist (id null, nothing pending). */
  async get(actor: Actor, agentId: string): Promise<ReadinessView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const row = await this.db.getRepository(AgentReadinessEntity).findOneBy({ org_id: agent.org_id, agent_id: agent.id });
    if (row) return toReadinessView(row);
    return {
      id: null,
      org_id: agent.org_id,
      agent_id: agent.id,
      items: [],
      pending_count: 0,
      decision_snapshot: decisionOf([], this.clock.date()),
      updated_by_key_id: null,
      created_at: null,
      updated_at: null,
    };
  }

  /**
   * Replaces the agent's checklist with `items` (keys unique), recomputing the pending count and the
   * decision snapshot, and records a `readiness_updated` activity with what changed status.
   */
  async upsert(actor: Actor, agentId: string, input: ReadinessItemInput[]): Promise<{ readiness: ReadinessView; created: boolean }> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    assertUniqueKeys(input);
    const items: ReadinessItem[] = input.map((i) => ({ key: i.key, title: i.title, owner: i.owner ?? null, status: i.status, note: i.note ?? null }));
    const now = this.clock.date();
    const snapshot = decisionOf(items, now);
    return this.db.transaction(async (m) => {
      const before = await m.findOne(AgentReadinessEntity, { where: { agent_id: agent.id }, lock: { mode: 'pessimistic_write' } });
      const rows: AgentReadinessEntity[] = await m.query(
        `INSERT INTO agent_readiness (org_id, agent_id, items, pending_count, decision_snapshot, updated_by_key_id, created_at, updated_at)
         VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6, $7, $7)
         ON CONFLICT (agent_id) DO UPDATE SET items = EXCLUDED.items, pending_count = EXCLUDED.pending_count,
           decision_snapshot = EXCLUDED.decision_snapshot, updated_by_key_id = EXCLUDED.updated_by_key_id, updated_at = EXCLUDED.updated_at
         RETURNING *`,
        [agent.org_id, agent.id, JSON.stringify(items), snapshot.pending_count, JSON.stringify(snapshot), actor.key_id ?? null, now],
      );
      await this.activity.record(m, actor, {
        org_id: agent.org_id,
        agent_id: agent.id,
        event_type: 'readiness_updated',
        metadata: {
          readiness_id: rows[0].id,
          decision: snapshot.decision,
          pending_count: snapshot.pending_count,
          total_items: snapshot.total_items,
          status_changes: statusChanges(before?.items ?? [], items),
        },
      });
      return { readiness: toReadinessView(m.create(AgentReadinessEntity, rows[0])), created: !before };
    });
  }
}

function assertUniqueKeys(items: ReadinessItemInput[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.key);
    if (first !== undefined) {
      throw DomainError.validation('readiness item keys must be unique', [
        { field: `items.${i}.key`, messages: [`repeats the key of items.${first} (${item.key})`] },
      ]);
    }
    seen.set(item.key, i);
  });
}

/** Items whose status changed (new items count as changed from null); removed items are listed with status null. */
function statusChanges(before: ReadinessItem[], after: ReadinessItem[]): { key: string; from: string | null; to: string | null }[] {
  const old = new Map(before.map((i) => [i.key, i.status]));
  const out: { key: string; from: string | null; to: string | null }[] = [];
  for (const i of after) if (old.get(i.key) !== i.status) out.push({ key: i.key, from: old.get(i.key) ?? null, to: i.status });
  const kept = new Set(after.map((i) => i.key));
  for (const i of before) if (!kept.has(i.key)) out.push({ key: i.key, from: i.status, to: null });
  return out.slice(0, 100);
}
