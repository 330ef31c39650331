import { applyDecorators, INestApplication, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiInternalServerErrorResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  DocumentBuilder,
  OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { ErrorCode } from '@greenlight/contracts';
import { OptionalField, QueryNumber } from './validation';

export class ResponseMeta {
  @ApiProperty({ description: 'Echo of X-Request-Id', example: '0f8fad5b-d9cb-469f-a165-70867728950e' })
  request_id: string;
}

export class ErrorBody {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_ERROR })
  code: ErrorCode;
  @ApiProperty({ example: 'request validation failed: name: must be a string' })
  message: string;
  @ApiProperty({
    nullable: true,
    description: 'Machine-readable context; for VALIDATION_ERROR a list of { field, messages }',
    oneOf: [
      { type: 'object', additionalProperties: true },
      { type: 'array', items: {} },
    ],
  })
  details: unknown;
}

export class ErrorEnvelope {
  @ApiProperty({ type: ErrorBody }) error: ErrorBody;
  @ApiProperty({ type: ResponseMeta }) meta: ResponseMeta;
}

/** `limit` / `offset` of every list endpoint. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ minimum: 0, maximum: 1_000_000, default: 0 })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset: number = 0;
}

const generated = new Map<string, Type<unknown>>();

function modelBase(model: Type<unknown>): string {
  return model.name.replace(/(View|Dto)$/, '');
}

/** A named class built once per name, so each envelope is one reusable schema in the document. */
function namedClass(name: string, props: Record<string, Parameters<typeof ApiProperty>[0]>): Type<unknown> {
  const existing = generated.get(name);
  if (existing) return existing;
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: name });
  for (const [prop, options] of Object.entries(props)) ApiProperty(options)(cls.prototype, prop);
  generated.set(name, cls);
  return cls;
}

export function pageOf(model: Type<unknown>): Type<unknown> {
  return namedClass(`${modelBase(model)}Page`, {
    items: { type: model, isArray: true },
    limit: { type: Number, example: 50 },
    offset: { type: Number, example: 0 },
    total: { type: Number, example: 1 },
  });
}

export function envelopeOf(model: Type<unknown>, paginated = false): Type<unknown> {
  const base = modelBase(model);
  return namedClass(paginated ? `${base}ListResponse` : `${base}Response`, {
    data: { type: paginated ? pageOf(model) : model },
    meta: { type: ResponseMeta },
  });
}

export interface ApiEnvelopeOptions {
  status?: number;
  paginated?: boolean;
  description?: string;
}

/** Documents a success response `{ data: <model>, meta }` plus the shared error envelope for 400 and 500. */
export function ApiEnvelope(model: Type<unknown>, options: ApiEnvelopeOptions = {}) {
  return applyDecorators(
    ApiExtraModels(model, ErrorEnvelope),
    ApiResponse({ status: options.status ?? 200, description: options.description ?? 'Success', type: envelopeOf(model, options.paginated) }),
    ApiBadRequestResponse({ description: 'VALIDATION_ERROR with per-field details', type: ErrorEnvelope }),
    ApiInternalServerErrorResponse({ description: 'INTERNAL_ERROR; quote meta.request_id when reporting', type: ErrorEnvelope }),
  );
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
const MUTATING_METHODS = new Set<string>(['post', 'put', 'patch', 'delete']);

type Operation = NonNullable<OpenAPIObject['paths'][string]['post']>;

/** Every mutating operation honours Idempotency-Key; routes that require it declare it themselves. */
function documentIdempotencyKey(op: Operation): void {
  op.parameters ??= [];
  const has = op.parameters.some((p) => 'name' in p && p.name.toLowerCase() === 'idempotency-key');
  if (has) return;
  op.parameters.push({
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'Makes retries safe: the same key and payload replay the stored response for 24 h; another payload answers 422 IDEMPOTENCY_KEY_REUSED',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  });
}

/** `post /api/v1/eval/runs` → `post_eval_runs`; `{agent_id}` segments become `by_agent_id`. */
export function operationIdFor(method: string, path: string): string {
  const rest = path.replace(/^\/api\/v1(?=\/|$)/, '');
  const parts = rest
    .split('/')
    .filter(Boolean)
    .map((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      return (param ? `by_${param[1]}` : seg).replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();
    });
  return [method.toLowerCase(), ...(parts.length ? parts : ['root'])].join('_');
}

export const OPENAPI_TAGS: { name: string; description: string }[] = [
  { name: 'System', description: 'Health, orgs, API keys, audit logs' },
  { name: 'Agents', description: 'Agents under evaluation' },
  { name: 'Evaluation', description: 'Eval profiles, runs, results, comparisons' },
  { name: 'Golden Sets', description: 'Test cases agents are evaluated on' },
  { name: 'Calibration', description: 'Judge agreement with human labels' },
  { name: 'Issue Patterns', description: 'Recurring failures and their lifecycle' },
  { name: 'Guardrails', description: 'SLO policies, violations and launch gates' },
  { name: 'Operations', description: 'Queues, maintenance and notifications' },
  { name: 'Contracts', description: 'Platform contracts and drift' },
];

const DESCRIPTION = `Greenlight tells a team whether an AI agent is ready to launch.

* **Auth**: \`Authorization: Bearer <api key>\`. Roles viewer < member < admin; each operation lists its role in \`x-required-role\`.
* **Envelope**: success \`{ data, meta: { request_id } }\`, error \`{ error: { code, message, details }, meta }\`.
* **Versioning**: canonical routes are \`/api/v1/...\`; \`/api/...\` answers the same with \`Deprecation: true\`.
* **Idempotency**: send \`Idempotency-Key\` on POST/PUT/PATCH/DELETE to make retries safe (kept 24 h, per API key).
* **Rate limit**: per API key and minute; over it answers 429 \`RATE_LIMITED\` with \`Retry-After\`. Org admins may give a key a stricter limit, never a looser one.
* **Failed authentication** is throttled per client address: after repeated failures within a minute, 429 \`RATE_LIMITED\` with \`Retry-After\` (keys that are known keep working).
* **Lists**: \`limit\` / \`offset\`; the answer has \`data.items\`, \`data.limit\`, \`data.offset\`, \`data.total\`.`;

/** Builds the OpenAPI document: tags, BearerAuth, deterministic operation ids. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Greenlight API')
    .setDescription(DESCRIPTION)
    .setVersion('v1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'API key, e.g. gl_1a2b3c4d_...' }, 'BearerAuth');
  for (const tag of OPENAPI_TAGS) builder.addTag(tag.name, tag.description);
  const doc = SwaggerModule.createDocument(app, builder.build());
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId = operationIdFor(method, path);
      if (MUTATING_METHODS.has(method) && path.startsWith('/api/')) documentIdempotencyKey(op);
    }
  }
  return doc;
}

/** Serves Swagger UI at /docs and the document at /docs-json. */
export function mountSwagger(app: INestApplication): OpenAPIObject {
  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, doc, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Greenlight API',
    // No online validator badge: it would load an image from another origin, which the CSP refuses.
    swaggerOptions: { persistAuthorization: true, displayOperationId: true, validatorUrl: null },
  });
  return doc;
}
