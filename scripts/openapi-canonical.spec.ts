import type { OpenAPIObject } from '@nestjs/swagger';
import { canonicalOpenApiJson, openApiDifferences } from './openapi-canonical';

const doc = (over: Partial<Record<string, unknown>> = {}) =>
  ({
    paths: { '/b': { get: { z: 1, a: 2 } }, '/a': { post: {} } },
    components: { schemas: { Zed: { type: 'object', properties: { b: {}, a: {} } }, Alpha: { type: 'string' } }, securitySchemes: {} },
    info: { title: 't', version: 'v1' },
    openapi: '3.0.0',
    tags: [{ name: 'Z' }, { name: 'A' }],
    servers: [{ url: '/' }],
    ...over,
  }) as unknown as OpenAPIObject;

describe('canonicalOpenApiJson', () => {
  it('orders sections, sorts paths and schemas by name, and keeps declared order inside them', () => {
    const text = canonicalOpenApiJson(doc());
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual(['openapi', 'info', 'servers', 'tags', 'paths', 'components']);
    expect(Object.keys(parsed.paths)).toEqual(['/a', '/b']);
    expect(Object.keys(parsed.components.schemas)).toEqual(['Alpha', 'Zed']);
    expect(Object.keys(parsed.paths['/b'].get)).toEqual(['z', 'a']);
    expect(Object.keys(parsed.components.schemas.Zed.properties)).toEqual(['b', 'a']);
    expect(parsed.tags).toEqual([{ name: 'Z' }, { name: 'A' }]);
  });

  it('gives the same text whatever order the app declared paths and schemas in', () => {
    const reordered = doc({ paths: { '/a': { post: {} }, '/b': { get: { z: 1, a: 2 } } } });
    expect(canonicalOpenApiJson(reordered)).toBe(canonicalOpenApiJson(doc()));
  });
});

describe('openApiDifferences', () => {
  it('names added, removed and changed paths and schemas', () => {
    const before = doc();
    const after = doc({
      paths: { '/a': { post: { summary: 'new' } }, '/c': { get: {} } },
      components: { schemas: { Alpha: { type: 'string' }, Beta: {} }, securitySchemes: {} },
    });
    expect(openApiDifferences(before, after).sort()).toEqual(
      [
        '+ path /c (not in the committed file)',
        '- path /b (no longer served)',
        '~ path /a changed',
        '+ schema Beta (not in the committed file)',
        '- schema Zed (no longer served)',
      ].sort(),
    );
    expect(openApiDifferences(before, doc())).toEqual([]);
    expect(openApiDifferences(before, doc({ servers: [] }))).toEqual(['~ info, servers, tags or other components changed']);
  });
});
