import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { IssuePatternEntity, PatternStatusChange } from '@greenlight/database';
import { ActivityService } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import type { EmitEvent } from './pattern.types';

/**
 * What a pattern's status move tells the world, in the transaction that made it: the webhook event
 * `pattern_status_changed` (one outbox row per endpoint that wants it) and an activity row.
 */
@Injectable()
export class PatternEvents {
  constructor(private readonly activity: ActivityService) {}

  /** Returns how many deliveries the webhook event queued. */
  async statusChanged(m: EntityManager, actor: Actor | null, pattern: IssuePatternEntity, change: PatternStatusChange, emit: EmitEvent): Promise<number> {
    const data = {
      pattern_id: pattern.id,
      agent_id: pattern.agent_id,
      title: pattern.title,
      priority: pattern.priority,
      primary_tag: pattern.primary_tag,
      ...change,
    };
    const refs = await emit({ org_id: pattern.org_id, event_type: 'pattern_status_changed', data });
    await this.activity.record(m, actor, { org_id: pattern.org_id, agent_id: pattern.agent_id, event_type: 'pattern_status_changed', metadata: data });
    return refs.length;
  }

  async created(m: EntityManager, actor: Actor | null, pattern: IssuePatternEntity): Promise<void> {
    await this.activity.record(m, actor, {
      org_id: pattern.org_id,
      agent_id: pattern.agent_id,
      event_type: 'pattern_created',
      metadata: { pattern_id: pattern.id, title: pattern.title, priority: pattern.priority, primary_tag: pattern.primary_tag },
    });
  }
}
