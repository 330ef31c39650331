import type { Actor } from './actor';

/** True when `actor` may see rows of `orgId`. */
export function canAccessOrg(actor: Actor, orgId: string | null): boolean {
  return actor.org_id === null || actor.org_id === orgId;
}

/** `where` for loading one row by id on behalf of `actor`: org keys only ever match rows of their org. */
export function scopedById(actor: Actor, id: string): { id: string; org_id?: string } {
  return actor.org_id === null ? { id } : { id, org_id: actor.org_id };
}
