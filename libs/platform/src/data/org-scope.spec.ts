import { DomainError } from '../errors/domain-error';
import { OrgScope } from './org-scope';
import { ManualClock } from '../time/clock';

const orgKey = { key_id: 'k1', org_id: 'org-a', role: 'org_admin' as const, request_id: 'r' };
const globalKey = { key_id: 'k0', org_id: null, role: 'global_admin' as const, request_id: 'r' };
const dbWith = (orgs: string[]) => ({ query: async (_sql: string, [id]: string[]) => (orgs.includes(id) ? [{ '?column?': 1 }] : []) }) as never;

describe('OrgScope', () => {
  it('keeps an org key in its org and answers 404 when it names another', async () => {
    const scope = await OrgScope.resolve(dbWith(['org-a', 'org-b']), orgKey as never, undefined);
    expect(scope.orgId).toBe('org-a');
    expect(scope.byId('x')).toEqual({ id: 'x', org_id: 'org-a' });
    expect(scope.includes('org-b')).toBe(false);
    expect(scope.includes(null)).toBe(false);
    await expect(OrgScope.resolve(dbWith(['org-a', 'org-b']), orgKey as never, 'org-b')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lets a global key act on the org it names, on every org when it names none, and 404s an unknown org', async () => {
    const all = await OrgScope.resolve(dbWith(['org-b']), globalKey as never, undefined);
    expect(all.orgId).toBeNull();
    expect(all.byId('x')).toEqual({ id: 'x' });
    expect(all.includes('org-b')).toBe(true);
    const params: unknown[] = [1];
    expect(all.sql('r.org_id', params)).toBe('TRUE');
    expect(params).toEqual([1]);
    const one = await OrgScope.resolve(dbWith(['org-b']), globalKey as never, 'org-b');
    expect(one.sql('r.org_id', params)).toBe('r.org_id = $2');
    expect(params).toEqual([1, 'org-b']);
    await expect(OrgScope.resolve(dbWith([]), globalKey as never, 'org-z')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a global key without an org where one is required', async () => {
    const err = await OrgScope.resolve(dbWith([]), globalKey as never, undefined, { required: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('VALIDATION_ERROR');
    expect(() => OrgScope.of(globalKey as never).requireOrg()).toThrow('org_id is required');
    expect(OrgScope.of(orgKey as never).requireOrg()).toBe('org-a');
  });
});

describe('ManualClock', () => {
  it('stands still until moved, and only moves forward', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.date().getTime()).toBe(1_250);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
