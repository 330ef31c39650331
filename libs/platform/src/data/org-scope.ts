import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Actor } from '@greenlight/tenancy';
import { DomainError } from '../errors/domain-error';

type Db = DataSource | EntityManager;

/**
 * The tenant a piece of work runs for, decided once from the actor. Every tenant query is built
 * through it, so a query without a tenant decision cannot be written: an org key only ever sees its
 * own org; a global (platform admin) key sees the org it names, or every org when it names none.
 * A row of another org is answered exactly like a missing one (404), so ids do not leak across orgs.
 */
export class OrgScope {
  private constructor(
    readonly actor: Actor,
    /** The one org in scope, or null for "every org" (a global key that named none). */
    readonly orgId: string | null,
  ) {}

  /** The actor's own scope: its org, or every org for a global key. */
  static of(actor: Actor): OrgScope {
    return new OrgScope(actor, actor.org_id);
  }

  /**
   * The scope of a request that may name an org (`org_id` filter or body field). An org key naming
   * another org gets 404; a global key naming an unknown org gets 404; a global key naming none acts
   * on every org, unless `required`, when it gets a validation error.
   */
  static async resolve(db: Db, actor: Actor, requested: string | undefined | null, options: { required?: boolean } = {}): Promise<OrgScope> {
    if (actor.org_id !== null) {
      if (requested && requested !== actor.org_id) throw DomainError.notFound('org', requested);
      return new OrgScope(actor, actor.org_id);
    }
    if (!requested) {
      if (options.required)
        throw DomainError.validation('org_id is required for a global key', [{ field: 'org_id', messages: ['is required for a global key'] }]);
      return new OrgScope(actor, null);
    }
    const rows: unknown[] = await db.query(`SELECT 1 FROM orgs WHERE id = $1`, [requested]);
    if (rows.length === 0) throw DomainError.notFound('org', requested);
    return new OrgScope(actor, requested);
  }

  /** True when the actor is an org key (its scope can never widen). */
  get isOrgKey(): boolean {
    return this.actor.org_id !== null;
  }

  /** The one org in scope; a scope over every org is refused as a validation error naming `org_id`. */
  requireOrg(): string {
    if (this.orgId === null)
      throw DomainError.validation('org_id is required for a global key', [{ field: 'org_id', messages: ['is required for a global key'] }]);
    return this.orgId;
  }

  /** May rows of `orgId` be seen in this scope? Platform rows (org null) only by a scope over every org. */
  includes(orgId: string | null | undefined): boolean {
    return this.orgId === null || this.orgId === orgId;
  }

  /** Throws NOT_FOUND (as for a missing row) when a row of `orgId` is outside the scope. */
  assertIncludes(orgId: string | null | undefined, what: string, id: string): void {
    if (!this.includes(orgId)) throw DomainError.notFound(what, id);
  }

  /** `where` conditions limited to the scope: `{ ...conditions, org_id }` when one org is in scope. */
  where<T extends object>(conditions: T): T & { org_id?: string } {
    return this.orgId === null ? conditions : { ...conditions, org_id: this.orgId };
  }

  /** `where` for loading one row by id in this scope. */
  byId(id: string): { id: string; org_id?: string } {
    return this.where({ id });
  }

  /** Loads one row by id in this scope, or answers 404 naming `what`. */
  async findOne<E extends ObjectLiteral>(db: Db, entity: EntityTarget<E>, id: string, what: string): Promise<E> {
    const row = await db.getRepository(entity).findOneBy(this.byId(id) as never);
    if (!row) throw DomainError.notFound(what, id);
    return row;
  }

  /** A query builder over `entity` already limited to the scope (`<alias>.<column> = org`). */
  query<E extends ObjectLiteral>(db: Db, entity: EntityTarget<E>, alias: string, column = 'org_id'): SelectQueryBuilder<E> {
    return this.apply(db.getRepository(entity).createQueryBuilder(alias), alias, column);
  }

  /** Limits an existing query builder to the scope. */
  apply<E extends ObjectLiteral>(qb: SelectQueryBuilder<E>, alias: string, column = 'org_id'): SelectQueryBuilder<E> {
    if (this.orgId !== null) qb.andWhere(`${alias}.${column} = :scope_org`, { scope_org: this.orgId });
    return qb;
  }

  /**
   * For hand-written SQL: appends the org to `params` and returns the condition on `column`
   * (`column = $n`), or `TRUE` when every org is in scope.
   */
  sql(column: string, params: unknown[]): string {
    if (this.orgId === null) return 'TRUE';
    params.push(this.orgId);
    return `${column} = $${params.length}`;
  }
}
