import type { Role } from '@greenlight/contracts';

/**
 * Who is calling: the authenticated API key, its role and its org. Every domain service takes an
 * Actor, so a query cannot be built without deciding its tenant scope.
 */
export interface Actor {
  key_id: string;
  /** Null for a global (platform admin) key, which acts across orgs. */
  org_id: string | null;
  role: Role;
  request_id: string;
}

export function isGlobal(actor: Actor): boolean {
  return actor.org_id === null;
}
