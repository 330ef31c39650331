import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AgentEntity, EvalRunEntity, RegistryKind, RunRegistryEntity } from '@greenlight/database';
import { latestCompletedRun } from '@greenlight/evaluation';
import { Actor } from '@greenlight/tenancy';
import { DomainError, OrgScope } from '@greenlight/platform';
import { presentRegistryEntry, RegistryResolution, RegistryRunBrief } from './registry.types';

type Db = DataSource | EntityManager;

/**
 * Turns references into runs of one agent: `active` and `current` name the active entry of a kind,
 * `latest` the agent's newest completed run, anything else an entry by name. Used by the registry and
 * by anything that accepts a reference instead of a run id.
 */
@Injectable()
export class RunRefResolver {
  /** The agent if the actor may see it; another org's agent answers 404 exactly like a missing one. */
  async loadAgent(db: Db, actor: Actor, agentId: string): Promise<AgentEntity> {
    return OrgScope.of(actor).findOne(db, AgentEntity, agentId, 'agent');
  }

  /**
   * A run the agent's references may point at: a run of another org is missing (404), a run of
   * another agent of the same org is refused as a validation error naming `field`.
   */
  async loadRunOfAgent(db: Db, agent: AgentEntity, runId: string, field = 'run_id'): Promise<EvalRunEntity> {
    const run = await db.getRepository(EvalRunEntity).findOneBy({ id: runId, org_id: agent.org_id });
    if (!run) throw DomainError.notFound('run', runId);
    if (run.agent_id !== agent.id) {
      throw DomainError.validation(`${field} names a run of another agent`, [{ field, messages: ['must be a run of this agent'] }]);
    }
    return run;
  }

  /** Resolves `ref` for `kind`; an unknown name or a kind without an active entry answers 404. */
  async resolve(db: Db, agent: AgentEntity, kind: RegistryKind, ref: string): Promise<RegistryResolution> {
    if (ref === 'latest') {
      const run = await latestCompletedRun(db, agent);
      if (!run) throw DomainError.notFound(`completed run of agent ${agent.id}`);
      return { kind, ref, run_id: run.id, entry: null, run: presentRunBrief(run) };
    }
    const entry = ref === 'active' || ref === 'current' ? await this.activeEntry(db, agent.id, kind) : await this.entryByName(db, agent.id, kind, ref);
    if (!entry) throw DomainError.notFound(ref === 'active' || ref === 'current' ? `active ${kind} reference` : `${kind} reference "${ref}"`);
    const run = await db.getRepository(EvalRunEntity).findOneByOrFail({ id: entry.run_id });
    return { kind, ref, run_id: entry.run_id, entry: presentRegistryEntry(entry), run: presentRunBrief(run) };
  }

  /** The active entry of a kind, if any. */
  async activeEntry(db: Db, agentId: string, kind: RegistryKind): Promise<RunRegistryEntity | null> {
    return db.getRepository(RunRegistryEntity).findOneBy({ agent_id: agentId, kind, is_active: true });
  }

  private async entryByName(db: Db, agentId: string, kind: RegistryKind, name: string): Promise<RunRegistryEntity | null> {
    return db.getRepository(RunRegistryEntity).findOneBy({ agent_id: agentId, kind, name });
  }
}

export function presentRunBrief(run: EvalRunEntity): RegistryRunBrief {
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    run_type: run.run_type,
    golden_set_id: run.golden_set_id,
    total_cases: run.total_cases,
    completed_cases: run.completed_cases,
    started_at: run.started_at,
    completed_at: run.completed_at,
    created_at: run.created_at,
  };
}
