import type { NextFunction, Request, Response } from 'express';
import { requestState } from '@greenlight/tenancy';
import { requestStateMiddleware } from './request-pipeline';

function fakeReq(url: string, headers: Record<string, string> = {}): Request {
  const path = url.split('?')[0];
  return { url, path, header: (n: string) => headers[n.toLowerCase()] } as unknown as Request;
}

function fakeRes() {
  const headers: Record<string, string> = {};
  return { headers, res: { setHeader: (k: string, v: string) => (headers[k] = v) } as unknown as Response };
}

describe('requestStateMiddleware', () => {
  const next: NextFunction = jest.fn();

  it('rewrites legacy /api routes to /api/v1 and marks them deprecated', () => {
    const req = fakeReq('/api/agents?limit=5');
    const { headers, res } = fakeRes();
    requestStateMiddleware(req, res, next);
    expect(req.url).toBe('/api/v1/agents?limit=5');
    expect(headers['Deprecation']).toBe('true');
    expect(headers['X-API-Version']).toBe('v1');
    expect(requestState(req).legacy_route).toBe(true);
  });

  it('leaves canonical routes alone', () => {
    const req = fakeReq('/api/v1/agents');
    const { headers, res } = fakeRes();
    requestStateMiddleware(req, res, next);
    expect(req.url).toBe('/api/v1/agents');
    expect(headers['Deprecation']).toBeUndefined();
    expect(headers['X-API-Version']).toBe('v1');
  });

  it('sets no version headers on non-API routes', () => {
    const { headers, res } = fakeRes();
    requestStateMiddleware(fakeReq('/health'), res, next);
    expect(headers['X-API-Version']).toBeUndefined();
    expect(headers['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not treat /apiary as an API route', () => {
    const { headers, res } = fakeRes();
    requestStateMiddleware(fakeReq('/apiary'), res, next);
    expect(headers['X-API-Version']).toBeUndefined();
  });

  it('honours a sane client request id and replaces an unsafe one', () => {
    const a = fakeRes();
    requestStateMiddleware(fakeReq('/health', { 'x-request-id': 'ci-run-42.step:3' }), a.res, next);
    expect(a.headers['X-Request-Id']).toBe('ci-run-42.step:3');
    const b = fakeRes();
    requestStateMiddleware(fakeReq('/health', { 'x-request-id': 'bad id\r\nx' }), b.res, next);
    // replaced by a generated UUID (which may itself contain the hex letters b, a, d)
    expect(b.headers['X-Request-Id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
