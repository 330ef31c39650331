import { ApiHarness, bearer, globalAdmin, orgWithKeys, startApi } from './support/harness';

describe('smoke', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi();
  });
  afterAll(() => h.close());

  it('lists agents with a bootstrapped key', async () => {
    const g = await globalAdmin(h.config);
    const keys = await orgWithKeys(h, g.api_key);
    const res = await h.http.get('/api/v1/agents').set(bearer(keys.viewer)).expect(200);
    expect(res.body.data).toEqual({ items: [], limit: 50, offset: 0, total: 0 });
  });
});
