import { ArgumentsHost, BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { attachRequestState } from '@greenlight/tenancy';
import { ApiExceptionFilter } from './exception.filter';

function run(exception: unknown) {
  const req = { method: 'GET', path: '/api/v1/x', originalUrl: '/api/v1/x' };
  const state = attachRequestState(req, { request_id: 'rid-1', started_at: 0 });
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const res = {
    headersSent: false,
    setHeader: (k: string, v: string) => (sent.headers[k] = v),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
  const filter = new ApiExceptionFilter();
  (filter as unknown as { logger: object }).logger = { error: () => undefined, warn: () => undefined };
  filter.catch(exception, host);
  return { ...sent, state };
}

describe('ApiExceptionFilter', () => {
  it('maps domain errors with their code, details and headers', () => {
    const out = run(new DomainError(ErrorCode.RATE_LIMITED, 'slow down', { limit: 3, retry_after_seconds: 12 }));
    expect(out.status).toBe(429);
    expect(out.headers['Retry-After']).toBe('12');
    expect(out.body).toEqual({
      error: { code: 'RATE_LIMITED', message: 'slow down', details: { limit: 3, retry_after_seconds: 12 } },
      meta: { request_id: 'rid-1' },
    });
    expect(out.state.error_code).toBe('RATE_LIMITED');
  });

  it('maps framework exceptions to codes', () => {
    expect((run(new NotFoundException()).body as { error: { code: string } }).error.code).toBe(ErrorCode.NOT_FOUND);
    expect(run(new PayloadTooLargeException()).status).toBe(413);
    expect((run(new BadRequestException('nope')).body as { error: { message: string } }).error.message).toBe('nope');
  });

  it('hides internals of unknown failures', () => {
    const out = run(new Error('password=hunter2 at db.ts:12'));
    expect(out.status).toBe(500);
    const body = out.body as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('answers 503 with Retry-After when the database or Redis cannot be reached, naming which', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const wrapped = Object.assign(new Error('query failed'), { driverError: new Error('Connection terminated unexpectedly') });
    for (const e of [refused, shutdown, wrapped]) {
      const out = run(e);
      expect(out.status).toBe(503);
      expect(out.headers['Retry-After']).toBe('5');
      expect(out.body).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE', details: { dependency: 'postgres' } } });
    }
    const redis = run(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    expect(redis.status).toBe(503);
    expect(redis.body).toMatchObject({ error: { details: { dependency: 'redis' } } });
    // A query that is wrong is not an outage.
    expect(run(Object.assign(new Error('syntax error at or near "x"'), { code: '42601' })).status).toBe(500);
  });
});
