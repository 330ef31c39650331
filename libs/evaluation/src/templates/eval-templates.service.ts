import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AgentType, ErrorCode } from '@greenlight/contracts';
import { EvalTemplateEntity, Page, PageRequest, RunType } from '@greenlight/database';
import type { Actor } from '@greenlight/tenancy';
import { DomainError, isUniqueViolation, OrgScope, paginate } from '@greenlight/platform';
import { GoldenSetsService } from '@greenlight/golden-sets';

export type EvalTemplateView = Omit<EvalTemplateEntity, 'created_by_key_id'>;

export interface CreateTemplateInput {
  org_id?: string;
  name: string;
  description?: string;
  agent_type: AgentType;
  run_type?: RunType;
  golden_set_id?: string | null;
  config?: Record<string, unknown>;
  design_context?: Record<string, unknown>;
}

/** Eval templates: a named, reusable run configuration for one agent type, in the actor's org. */
@Injectable()
export class EvalTemplatesService {
  constructor(
    @InjectRepository(EvalTemplateEntity) private readonly templates: Repository<EvalTemplateEntity>,
    private readonly goldenSets: GoldenSetsService,
  ) {}

  async create(actor: Actor, input: CreateTemplateInput): Promise<EvalTemplateView> {
    const scope = await OrgScope.resolve(this.templates.manager, actor, input.org_id, { required: true });
    const orgId = scope.requireOrg();
    if (input.golden_set_id) {
      const set = await this.goldenSets.get(actor, input.golden_set_id);
      if (set.org_id !== orgId) throw DomainError.notFound('golden set', input.golden_set_id);
    }
    try {
      const saved = await this.templates.save(
        this.templates.create({
          org_id: orgId,
          name: input.name.trim(),
          description: input.description ?? '',
          agent_type: input.agent_type,
          run_type: input.run_type ?? 'standard',
          golden_set_id: input.golden_set_id ?? null,
          config: input.config ?? {},
          design_context: input.design_context ?? {},
          created_by_key_id: actor.key_id,
        }),
      );
      return present(saved);
    } catch (err) {
      if (isUniqueViolation(err, 'eval_templates_org_name_uq')) {
        throw new DomainError(ErrorCode.EVAL_TEMPLATE_NAME_TAKEN, `a template named "${input.name.trim()}" already exists in this org`);
      }
      throw err;
    }
  }

  async list(actor: Actor, filter: { org_id?: string; agent_type?: AgentType; run_type?: RunType }, page: PageRequest): Promise<Page<EvalTemplateView>> {
    const scope = await OrgScope.resolve(this.templates.manager, actor, filter.org_id);
    const qb = scope.apply(this.templates.createQueryBuilder('t'), 't');
    if (filter.agent_type) qb.andWhere('t.agent_type = :at', { at: filter.agent_type });
    if (filter.run_type) qb.andWhere('t.run_type = :rt', { rt: filter.run_type });
    return paginate(qb.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'ASC'), page, present);
  }

  async get(actor: Actor, id: string): Promise<EvalTemplateView> {
    return present(await OrgScope.of(actor).findOne(this.templates.manager, EvalTemplateEntity, id, 'eval template'));
  }
}

function present(t: EvalTemplateEntity): EvalTemplateView {
  const { created_by_key_id: _k, ...rest } = t;
  return rest;
}
