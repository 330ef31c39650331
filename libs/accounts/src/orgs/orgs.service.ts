import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { OrgEntity, Page, PageRequest } from '@greenlight/database';
import { Actor, isGlobal } from '@greenlight/tenancy';
import { DomainError, isUniqueViolation, OrgScope, paginate } from '@greenlight/platform';

export interface OrgView {
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

@Injectable()
export class OrgsService {
  constructor(@InjectRepository(OrgEntity) private readonly orgs: Repository<OrgEntity>) {}

  /** Creates an org; only global admin keys may. */
  async create(actor: Actor, input: { name: string }): Promise<OrgView> {
    requireGlobal(actor, 'create orgs');
    return this.createUnchecked(input.name);
  }

  /** Creates an org without an actor: for the bootstrap command. Fails with ORG_NAME_TAKEN on a duplicate. */
  async createUnchecked(name: string): Promise<OrgView> {
    try {
      const saved = await this.orgs.save(this.orgs.create({ name: name.trim() }));
      return present(saved);
    } catch (err) {
      if (isUniqueViolation(err, 'orgs_name_lower_uq')) {
        throw new DomainError(ErrorCode.ORG_NAME_TAKEN, `an org named "${name.trim()}" already exists`, { name });
      }
      throw err;
    }
  }

  async findByName(name: string): Promise<OrgView | null> {
    const org = await this.orgs.createQueryBuilder('o').where('lower(o.name) = lower(:name)', { name: name.trim() }).getOne();
    return org ? present(org) : null;
  }

  async list(actor: Actor, page: PageRequest): Promise<Page<OrgView>> {
    requireGlobal(actor, 'list orgs');
    const qb = OrgScope.of(actor).query(this.orgs.manager, OrgEntity, 'o', 'id');
    qb.orderBy('o.created_at', 'DESC').addOrderBy('o.id', 'ASC');
    return paginate(qb, page, present);
  }

  /** An org key sees its own org only; any other answers 404 exactly like a missing one. */
  async get(actor: Actor, id: string): Promise<OrgView> {
    const org = await OrgScope.of(actor).query(this.orgs.manager, OrgEntity, 'o', 'id').andWhere('o.id = :id', { id }).getOne();
    if (!org) throw DomainError.notFound('org', id);
    return present(org);
  }

  /** Throws NOT_FOUND unless the org exists and `actor` may see it. */
  async assertAccessible(actor: Actor, id: string): Promise<void> {
    await this.get(actor, id);
  }
}

function requireGlobal(actor: Actor, what: string): void {
  if (!isGlobal(actor)) {
    throw new DomainError(ErrorCode.FORBIDDEN, `only global admin keys can ${what}`, {
      required_scope: 'global',
      actual_scope: 'org',
    });
  }
}

function present(o: OrgEntity): OrgView {
  return { id: o.id, name: o.name, created_at: o.created_at, updated_at: o.updated_at };
}
