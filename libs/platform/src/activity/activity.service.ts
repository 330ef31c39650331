import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ActivityEventEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';

export interface ActivityInput {
  org_id: string;
  agent_id?: string | null;
  event_type: string;
  metadata?: Record<string, unknown>;
}

/** Domain events per agent; written in the caller's transaction so an event never outlives a rollback. */
@Injectable()
export class ActivityService {
  async record(manager: EntityManager, actor: Actor | null, input: ActivityInput): Promise<void> {
    await manager.save(
      manager.create(ActivityEventEntity, {
        org_id: input.org_id,
        agent_id: input.agent_id ?? null,
        event_type: input.event_type,
        actor_key_id: actor?.key_id ?? null,
        request_id: actor?.request_id ?? null,
        metadata: input.metadata ?? {},
      }),
    );
  }
}
