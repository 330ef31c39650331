import type { Actor } from './actor';

/**
 * The org filter for a query made on behalf of `actor`.
 * - An org-scoped key always gets its own org; asking for another org yields a filter that matches
 *   nothing (so the caller answers 404, never 403, and ids do not leak).
 * - A global key gets the org it asked for, or no filter at all.
 * Returns `undefined` for "no org filter".
 */
export function orgFilter(actor: Actor, requestedOrgId?: string | null): string | undefined {
  if (actor.org_id !== null) {
    if (requestedOrgId && requestedOrgId !== actor.org_id) return NO_ORG;
    return actor.org_id;
  }
  return requestedOrgId ?? undefined;
}

/** A syntactically valid uuid that no org has; used to make cross-tenant queries match nothing. */
export const NO_ORG = '00000000-0000-0000-0000-000000000000';

/** True when `actor` may see rows of `orgId`. */
export function canAccessOrg(actor: Actor, orgId: string | null): boolean {
  return actor.org_id === null || actor.org_id === orgId;
}

/** `where` for loading one row by id on behalf of `actor`: org keys only ever match rows of their org. */
export function scopedById(actor: Actor, id: string): { id: string; org_id?: string } {
  return actor.org_id === null ? { id } : { id, org_id: actor.org_id };
}
