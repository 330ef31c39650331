import { DataSource } from 'typeorm';
import { Actor } from '@greenlight/tenancy';
import { DomainError } from '../errors/domain-error';

/**
 * The org an operator endpoint acts on. An org admin key always acts on its own org (naming another
 * org answers 404, like every cross-tenant id). A global admin acts on the org it names (404 when
 * there is none), or platform-wide when it names none, unless the operation needs one org.
 */
export async function resolveOrgScope(db: DataSource, actor: Actor, requested: string | undefined | null, required: boolean): Promise<string | null> {
  if (actor.org_id !== null) {
    if (requested && requested !== actor.org_id) throw DomainError.notFound('org', requested);
    return actor.org_id;
  }
  if (!requested) {
    if (required) throw DomainError.validation('org_id is required for a global key', [{ field: 'org_id', messages: ['is required for a global key'] }]);
    return null;
  }
  const rows = await db.query(`SELECT 1 FROM orgs WHERE id = $1`, [requested]);
  if (rows.length === 0) throw DomainError.notFound('org', requested);
  return requested;
}
