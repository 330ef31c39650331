import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AgentType, ErrorCode } from '@greenlight/contracts';
import { EvalTemplateEntity, Page, PageRequest, RunType } from '@greenlight/database';
import { Actor, scopedById } from '@greenlight/tenancy';
import { DomainError } from '@greenlight/platform';
import { GoldenSetsService } from '@greenlight/golden-sets';
import { resolveOrgScope } from '@greenlight/platform';
import { OrgsService } from '@greenlight/accounts';
import { isUniqueViolation } from '@greenlight/platform';

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

/** Eval templates (step 75): a named, reusable run configuration for one agent type. */
@Injectable()
export class EvalTemplatesService {
  constructor(
    @InjectRepository(EvalTemplateEntity) private readonly templates: Repository<EvalTemplateEntity>,
    private readonly orgs: OrgsService,
    private readonly goldenSets: GoldenSetsService,
  ) {}

  async create(actor: Actor, input: CreateTemplateInput): Promise<EvalTemplateView> {
    const orgId = input.org_id ?? actor.org_id;
    if (!orgId) throw DomainError.validation('org_id is required for global keys', [{ field: 'org_id', messages: ['is required for global keys'] }]);
    await this.orgs.assertAccessible(actor, orgId);
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
    const org = await resolveOrgScope(this.templates.manager.connection, actor, filter.org_id, false);
    const qb = this.templates.createQueryBuilder('t');
    if (org !== null) qb.andWhere('t.org_id = :org', { org });
    if (filter.agent_type) qb.andWhere('t.agent_type = :at', { at: filter.agent_type });
    if (filter.run_type) qb.andWhere('t.run_type = :rt', { rt: filter.run_type });
    qb.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'ASC').take(page.limit).skip(page.offset);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(present), limit: page.limit, offset: page.offset, total };
  }

  async get(actor: Actor, id: string): Promise<EvalTemplateView> {
    const t = await this.templates.findOneBy(scopedById(actor, id));
    if (!t) throw DomainError.notFound('eval template', id);
    return present(t);
  }
}

function present(t: EvalTemplateEntity): EvalTemplateView {
  const { created_by_key_id: _k, ...rest } = t;
  return rest;
}
