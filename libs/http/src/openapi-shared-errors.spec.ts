import type { OpenAPIObject } from '@nestjs/swagger';
import { documentErrorExamples } from './openapi-errors';
import { documentSharedErrors } from './openapi-shared-errors';

const ENVELOPE = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } };
const envelope = (description: string) => ({ description, content: ENVELOPE });

type Response = { description: string; headers?: Record<string, unknown>; content?: unknown };
type Operation = { responses: Record<string, Response>; requestBody?: unknown };

function doc(paths: Record<string, Record<string, Operation>>): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths, components: { schemas: {} } } as unknown as OpenAPIObject;
}

const op = (d: OpenAPIObject, path: string, method: string) => (d.paths[path] as Record<string, Operation>)[method];

describe('documentSharedErrors', () => {
  it('documents 503 on every /api operation and the body and Idempotency-Key answers on writes only', () => {
    const d = doc({
      '/api/v1/things': { get: { responses: { '200': { description: 'Success' } } }, post: { responses: { '201': { description: 'Success' } } } },
      '/health': { get: { responses: { '200': { description: 'Success' } } } },
    });
    documentSharedErrors(d);
    expect(Object.keys(op(d, '/api/v1/things', 'get').responses)).toEqual(['200', '503']);
    expect(Object.keys(op(d, '/api/v1/things', 'post').responses)).toEqual(['201', '409', '413', '415', '422', '503']);
    expect(Object.keys(op(d, '/health', 'get').responses)).toEqual(['200']);
    const post = op(d, '/api/v1/things', 'post').responses;
    expect(post['503']).toMatchObject({ content: ENVELOPE, headers: { 'Retry-After': { schema: { type: 'integer' } } } });
    expect(post['503'].description).toMatch(/^SERVICE_UNAVAILABLE: /);
    expect(post['409'].description).toMatch(/^IDEMPOTENCY_IN_PROGRESS: /);
    expect(post['422'].description).toMatch(/^IDEMPOTENCY_KEY_REUSED: /);
    expect(post['415'].description).toMatch(/^UNSUPPORTED_MEDIA_TYPE: the request body is not application\/json,/);
    // Every code it names answers the status it is documented under.
    expect(documentErrorExamples(d)).toEqual([]);
  });

  it("adds a shared code to the operation's own response of that status, once, and keeps the operation's own description of the same code", () => {
    const d = doc({
      '/api/v1/files': {
        post: {
          requestBody: { content: { 'application/json': {}, 'multipart/form-data': {} } },
          responses: {
            '409': envelope('GOLDEN_SET_CASE_NOT_ACTIVE: the case was superseded'),
            '413': envelope('PAYLOAD_TOO_LARGE: the file is larger than GOLDEN_SET_MAX_FILE_BYTES'),
            '503': envelope('SERVICE_UNAVAILABLE when LAUNCH_EVIDENCE_SIGNING_KEY is not set'),
          },
        },
      },
    });
    documentSharedErrors(d);
    documentSharedErrors(d);
    const responses = op(d, '/api/v1/files', 'post').responses;
    expect(responses['409'].description).toBe(
      'GOLDEN_SET_CASE_NOT_ACTIVE: the case was superseded; IDEMPOTENCY_IN_PROGRESS: a request with the same Idempotency-Key is still running',
    );
    expect(responses['413'].description).toBe('PAYLOAD_TOO_LARGE: the file is larger than GOLDEN_SET_MAX_FILE_BYTES');
    // Another cause of the same code is still a cause: both are documented.
    expect(responses['503'].description).toMatch(
      /^SERVICE_UNAVAILABLE when LAUNCH_EVIDENCE_SIGNING_KEY is not set; SERVICE_UNAVAILABLE: a store the operation needs/,
    );
    expect(responses['503'].description.match(/SERVICE_UNAVAILABLE: /g)).toHaveLength(1);
    expect(responses['415'].description).toContain('not application/json or multipart/form-data');
    expect(Object.keys(responses)).toEqual(['409', '413', '415', '422', '503']);
  });
});
