import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Page, PageRequest, RegistryKind, RunRegistryEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { ActivityService, DomainError, paginate } from '@greenlight/platform';
import { deactivateActive, lockAgentRegistry, writeEntry } from './registry-writes';
import {
  presentRegistryEntry,
  REGISTRY_RESERVED_REFS,
  RegistryEntryView,
  RegistryListFilter,
  RegistryResolution,
  RegistryUpsertInput,
  RegistryUpsertResult,
} from './registry.types';
import { RunRefResolver } from './run-ref-resolver';

/**
 * The run registry: named baseline and candidate references of an agent, at most one active one per
 * kind. Members write it, viewers read it; promotion through the gate lives in RunPromotionService.
 */
@Injectable()
export class RunRegistryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refs: RunRefResolver,
    private readonly activity: ActivityService,
  ) {}

  /**
   * Creates or repoints the entry (kind, name). `activate: true` makes it the one active entry of its
   * kind, deactivating the previous one in the same transaction.
   */
  async upsert(actor: Actor, agentId: string, input: RegistryUpsertInput): Promise<RegistryUpsertResult> {
    assertEntryName(input.name);
    const agent = await this.refs.loadAgent(this.dataSource, actor, agentId);
    await this.refs.loadRunOfAgent(this.dataSource, agent, input.run_id);
    return this.dataSource.transaction(async (manager) => {
      await lockAgentRegistry(manager, agent.id);
      const deactivated = input.activate === true ? await deactivateActive(manager, agent.id, input.kind, input.name) : null;
      const { row, created } = await writeEntry(manager, {
        org_id: agent.org_id,
        agent_id: agent.id,
        kind: input.kind,
        name: input.name,
        run_id: input.run_id,
        active: input.activate,
        notes: input.notes,
      });
      await this.activity.record(manager, actor, {
        org_id: agent.org_id,
        agent_id: agent.id,
        event_type: 'run_registry_upserted',
        metadata: {
          entry_id: row.id,
          kind: row.kind,
          name: row.name,
          run_id: row.run_id,
          is_active: row.is_active,
          created,
          deactivated_entry_id: deactivated?.id ?? null,
        },
      });
      return { entry: presentRegistryEntry(row), created, deactivated: deactivated ? presentRegistryEntry(deactivated) : null };
    });
  }

  /** The agent's entries, active ones first, then the most recently changed. */
  async list(actor: Actor, agentId: string, filter: RegistryListFilter, page: PageRequest): Promise<Page<RegistryEntryView>> {
    const agent = await this.refs.loadAgent(this.dataSource, actor, agentId);
    const qb = this.dataSource.getRepository(RunRegistryEntity).createQueryBuilder('e').where('e.agent_id = :agent', { agent: agent.id });
    if (filter.kind) qb.andWhere('e.kind = :kind', { kind: filter.kind });
    if (filter.active !== undefined) qb.andWhere('e.is_active = :active', { active: filter.active });
    qb.orderBy('e.is_active', 'DESC').addOrderBy('e.updated_at', 'DESC').addOrderBy('e.id', 'ASC');
    return paginate(qb, page, presentRegistryEntry);
  }

  /** The run a reference of `kind` points at; an unknown reference answers 404. */
  async resolve(actor: Actor, agentId: string, kind: RegistryKind, ref: string): Promise<RegistryResolution> {
    const agent = await this.refs.loadAgent(this.dataSource, actor, agentId);
    return this.refs.resolve(this.dataSource, agent, kind, ref);
  }
}

/** Entry names are 1–100 characters and never one of the words references resolve by rule. */
export function assertEntryName(name: string, field = 'name'): void {
  const reserved = (REGISTRY_RESERVED_REFS as readonly string[]).includes(name.toLowerCase());
  if (name.length < 1 || name.length > 100 || reserved || name.trim() !== name) {
    throw DomainError.validation(`${field} must be 1-100 characters without surrounding spaces and not one of ${REGISTRY_RESERVED_REFS.join(', ')}`, [
      { field, messages: [reserved ? `must not be one of ${REGISTRY_RESERVED_REFS.join(', ')}` : 'must be 1-100 characters without surrounding spaces'] },
    ]);
  }
}
