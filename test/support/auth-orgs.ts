// Shared start for the auth and tenancy specs: a running api, a global admin key, and two orgs (A and B)
// with one key of each role, so every spec can check what one org may and may not see of the other.
import { ApiHarness, globalAdmin, OrgKeys, orgWithKeys, startApi } from './harness';

export type Role = 'viewer' | 'member' | 'admin';
export type Caller = Role | 'global';

/** Roles from least to most powerful: each role may do everything the ones before it may. */
export const ROLE_ORDER: Role[] = ['viewer', 'member', 'admin'];
export const satisfies = (actual: Role, required: Role) => ROLE_ORDER.indexOf(actual) >= ROLE_ORDER.indexOf(required);

export interface TwoOrgs {
  h: ApiHarness;
  g: { org_id: string; api_key: string };
  A: OrgKeys;
  B: OrgKeys;
}

export async function startTwoOrgs(overrides: Record<string, string> = {}): Promise<TwoOrgs> {
  const h = await startApi(overrides);
  const g = await globalAdmin(h.config);
  const [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  return { h, g, A, B };
}
