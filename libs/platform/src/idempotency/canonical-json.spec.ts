import { canonicalJson } from './canonical-json';
import { IdempotencyStore } from './idempotency.store';

describe('canonicalJson', () => {
  it('ignores key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('gives request hashes that differ by method, path and body', () => {
    const base = IdempotencyStore.requestHash('POST', '/api/v1/agents', { name: 'a' });
    expect(IdempotencyStore.requestHash('post', '/api/v1/agents', { name: 'a' })).toBe(base);
    expect(IdempotencyStore.requestHash('POST', '/api/v1/orgs', { name: 'a' })).not.toBe(base);
    expect(IdempotencyStore.requestHash('POST', '/api/v1/agents', { name: 'b' })).not.toBe(base);
  });
});
