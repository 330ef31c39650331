import { resolveConfig } from '../src/config';
import { parseErrorBody } from '../src/errors';
import { buildPath } from '../src/transport';

describe('buildPath', () => {
  it('fills and encodes path parameters and drops empty query values', () => {
    expect(
      buildPath({ path: '/api/v1/agents/{agent_id}/run-registry/resolve', pathParams: { agent_id: 'a/b c' }, query: { ref: 'active', kind: undefined } }),
    ).toBe('/api/v1/agents/a%2Fb%20c/run-registry/resolve?ref=active');
    expect(buildPath({ path: '/api/v1/eval/runs', query: { passed: false, limit: 10, offset: 0, tags: ['a', 'b'], org_id: null } })).toBe(
      '/api/v1/eval/runs?passed=false&limit=10&offset=0&tags=a&tags=b',
    );
  });

  it('refuses a missing path parameter instead of calling a wrong URL', () => {
    expect(() => buildPath({ path: '/api/v1/agents/{agent_id}', pathParams: {} })).toThrow(/missing path parameter agent_id/);
    expect(() => buildPath({ path: '/api/v1/agents/{agent_id}', pathParams: { agent_id: '' } })).toThrow(/agent_id/);
  });
});

describe('resolveConfig', () => {
  it('takes the key and URL from the environment when not given, without a trailing slash', () => {
    const c = resolveConfig({}, { GREENLIGHT_API_KEY: 'gl_x', GREENLIGHT_API_URL: 'https://gl.example.com/' });
    expect(c).toMatchObject({ apiKey: 'gl_x', baseUrl: 'https://gl.example.com', timeoutMs: 30_000, maxRetries: 3 });
    expect(c.userAgent).toMatch(/^greenlight-sdk-js\//);
    expect(resolveConfig({ apiKey: 'k', baseUrl: 'http://h:1', userAgent: 'greenlight-cli/1' }, {}).userAgent).toMatch(
      /^greenlight-cli\/1 greenlight-sdk-js\//,
    );
  });

  it('refuses what cannot work', () => {
    expect(() => resolveConfig({}, {})).toThrow(/no API key/);
    expect(() => resolveConfig({ apiKey: 'k', baseUrl: 'gl.example.com' }, {})).toThrow(/baseUrl/);
    expect(() => resolveConfig({ apiKey: 'k', maxRetries: -1 }, {})).toThrow(/maxRetries/);
    expect(() => resolveConfig({ apiKey: 'k', timeoutMs: 0 }, {})).toThrow(/timeoutMs/);
  });
});

describe('parseErrorBody', () => {
  it('reads the error envelope', () => {
    const body = { error: { code: 'AGENT_NAME_TAKEN', message: 'taken', details: { name: 'x' } }, meta: { request_id: 'r1' } };
    expect(parseErrorBody(409, 'Conflict', body)).toEqual({ code: 'AGENT_NAME_TAKEN', message: 'taken', details: { name: 'x' }, requestId: 'r1' });
  });

  it('names anything else by its status', () => {
    expect(parseErrorBody(502, 'Bad Gateway', '<html>')).toEqual({ code: 'HTTP_502', message: 'Bad Gateway', details: null, requestId: null });
    expect(parseErrorBody(500, '', null)).toMatchObject({ code: 'HTTP_500', message: 'HTTP 500' });
  });
});
