import type { EntityManager } from 'typeorm';
import type { Actor } from '@greenlight/tenancy';
import { CompareHooks, StoredCompare } from './compare-hooks';

const compare: StoredCompare = {
  compare_id: 'c1',
  org_id: 'o1',
  agent_id: 'a1',
  baseline_run_id: 'b',
  candidate_run_id: 'k',
  regression_count: 0,
  verdict: 'no_significant_change',
  created_at: new Date(0),
};
const m = {} as EntityManager;
const actor = { org_id: 'o1' } as unknown as Actor;
const emit = async () => [];

describe('compare hooks', () => {
  it('calls every listener in registration order and gathers the violations they resolved', async () => {
    const hooks = new CompareHooks();
    const calls: string[] = [];
    hooks.addStoredListener('first', async (_m, c) => {
      calls.push(`first ${c.compare_id}`);
      return { resolved_slo_violations: ['v1'] };
    });
    hooks.addStoredListener('second', async () => {
      calls.push('second');
    });
    hooks.addStoredListener('third', async () => ({ resolved_slo_violations: ['v2', 'v3'] }));
    expect(await hooks.stored(m, compare, emit, actor)).toEqual({ resolved_slo_violations: ['v1', 'v2', 'v3'] });
    expect(calls).toEqual(['first c1', 'second']);
  });

  it('answers nothing resolved without listeners, and lets a failure through (the compare rolls back with it)', async () => {
    const hooks = new CompareHooks();
    expect(await hooks.stored(m, compare, emit, actor)).toEqual({ resolved_slo_violations: [] });
    hooks.addStoredListener('broken', async () => {
      throw new Error('boom');
    });
    await expect(hooks.stored(m, compare, emit, actor)).rejects.toThrow('boom');
  });
});
