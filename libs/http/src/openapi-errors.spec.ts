import type { OpenAPIObject } from '@nestjs/swagger';
import { codesNamedIn, documentErrorExamples } from './openapi-errors';
import { untypedSchemas } from './openapi-audit';

const envelope = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } });

function doc(responses: Record<string, unknown>): OpenAPIObject {
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: { '/api/v1/x': { post: { responses } } },
    components: { schemas: {} },
  } as unknown as OpenAPIObject;
}

describe('documentErrorExamples', () => {
  it('gives each error status an example of its own code, shared under components.examples', () => {
    const d = doc({
      '201': { description: 'Success' },
      '400': envelope('VALIDATION_ERROR with per-field details'),
      '401': envelope('UNAUTHORIZED: missing, unknown, revoked or expired API key'),
      '404': envelope("NOT_FOUND: no such resource in the caller's org"),
      '409': envelope('RUN_REGISTRY_PROMOTION_BLOCKED with details.reason'),
      '500': envelope('INTERNAL_ERROR; quote meta.request_id'),
    });
    expect(documentErrorExamples(d)).toEqual([]);
    const responses = (d.paths['/api/v1/x'].post as { responses: Record<string, { content?: Record<string, { examples?: unknown }> }> }).responses;
    const refOf = (status: string) => responses[status].content!['application/json'].examples;
    expect(refOf('401')).toEqual({ UNAUTHORIZED: { $ref: '#/components/examples/Error_UNAUTHORIZED' } });
    expect(refOf('409')).toEqual({ RUN_REGISTRY_PROMOTION_BLOCKED: { $ref: '#/components/examples/Error_RUN_REGISTRY_PROMOTION_BLOCKED' } });
    expect(responses['201'].content).toBeUndefined();
    const examples = d.components!.examples as Record<string, { value: { error: { code: string } } }>;
    for (const [name, ex] of Object.entries(examples)) expect(name).toBe(`Error_${ex.value.error.code}`);
    expect(Object.keys(examples).sort()).toEqual(
      ['Error_INTERNAL_ERROR', 'Error_NOT_FOUND', 'Error_RUN_REGISTRY_PROMOTION_BLOCKED', 'Error_UNAUTHORIZED', 'Error_VALIDATION_ERROR'].sort(),
    );
  });

  it('falls back to the generic code of the status when the description names none', () => {
    const d = doc({ '429': envelope('per-key limit reached') });
    expect(documentErrorExamples(d)).toEqual([]);
    expect(Object.keys(d.components!.examples!)).toEqual(['Error_RATE_LIMITED']);
  });

  it('reports a description naming a code of another status, and a status with no code to show', () => {
    const d = doc({ '409': envelope('GOLDEN_SET_FILE_VALIDATION_FAILED with the report'), '418': envelope('teapot') });
    expect(documentErrorExamples(d)).toEqual([
      { where: 'POST /api/v1/x 409', problem: 'names GOLDEN_SET_FILE_VALIDATION_FAILED, which answers 422' },
      { where: 'POST /api/v1/x 418', problem: 'names no error code of this status' },
    ]);
  });

  it('reads codes from descriptions, ignoring words that are not codes', () => {
    expect(codesNamedIn('FORBIDDEN: the key role; see API_KEY_SCOPE_ROLE_INVALID and NOT_A_CODE')).toEqual(['FORBIDDEN', 'API_KEY_SCOPE_ROLE_INVALID']);
    expect(codesNamedIn(undefined)).toEqual([]);
  });
});

describe('untypedSchemas', () => {
  it('finds objects without properties and nullables without a type, wherever they are', () => {
    const d = {
      paths: {},
      components: {
        schemas: {
          AgentView: {
            type: 'object',
            properties: {
              owner: { type: 'object' },
              eval_profile_id: { nullable: true },
              metadata: { type: 'object', additionalProperties: true },
              ok: { type: 'string', nullable: true },
              ref: { nullable: true, allOf: [{ $ref: '#/components/schemas/X' }] },
              labels: { type: 'array', items: { type: 'object' } },
            },
          },
        },
      },
    } as unknown as OpenAPIObject;
    expect(untypedSchemas(d)).toEqual([
      'AgentView.owner: object without properties',
      'AgentView.eval_profile_id: nullable without a type',
      'AgentView.labels.items: object without properties',
    ]);
  });
});
