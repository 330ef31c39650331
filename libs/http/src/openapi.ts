import { applyDecorators, INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
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
import { schemaNameCollisions } from './openapi-audit';
import { documentErrorExamples, ErrorExampleProblem } from './openapi-errors';
import { documentSharedErrors, HTTP_METHODS, MUTATING_METHODS } from './openapi-shared-errors';
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
    description: 'Machine-readable context, or null; for VALIDATION_ERROR a list of { field, messages }',
    // null sits in the object branch: OpenAPI 3.0 has no null type, and `nullable` needs a `type` beside it
    anyOf: [
      { type: 'object', additionalProperties: true, nullable: true },
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

const generated = new Map<string, { cls: Type<unknown>; model: Type<unknown> }>();

function modelBase(model: Type<unknown>): string {
  return model.name.replace(/(View|Dto)$/, '');
}

/**
 * A named class built once per name, so each envelope is one reusable schema in the document. Two
 * different models whose names give the same envelope name would share one schema (the document
 * would describe one of them wrongly), so that fails loudly when the second is decorated.
 */
function namedClass(name: string, model: Type<unknown>, props: Record<string, Parameters<typeof ApiProperty>[0]>): Type<unknown> {
  const existing = generated.get(name);
  if (existing) {
    if (existing.model !== model) throw new Error(`OpenAPI schema name ${name} is used by two different classes named ${model.name}: rename one of them`);
    return existing.cls;
  }
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: name });
  for (const [prop, options] of Object.entries(props)) ApiProperty(options)(cls.prototype, prop);
  generated.set(name, { cls, model });
  return cls;
}

export function pageOf(model: Type<unknown>): Type<unknown> {
  return namedClass(`${modelBase(model)}Page`, model, {
    items: { type: model, isArray: true },
    limit: { type: 'integer', example: 50 },
    offset: { type: 'integer', example: 0 },
    total: { type: 'integer', example: 1 },
  });
}

export function envelopeOf(model: Type<unknown>, paginated = false): Type<unknown> {
  const base = modelBase(model);
  return namedClass(paginated ? `${base}ListResponse` : `${base}Response`, model, {
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

/**
 * Documents the error answers of one operation beyond the shared ones, as the error envelope: each
 * status with a description naming the codes the operation really answers with it (`CODE: when`).
 */
export function ApiErrors(errors: Record<number, string>) {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelope),
    ...Object.entries(errors).map(([status, description]) => ApiResponse({ status: Number(status), description, type: ErrorEnvelope })),
  );
}

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

/** Where the document is served from; clients configure their own base URL. */
export const OPENAPI_SERVERS = [{ url: '/', description: 'The server that serves this document (its /docs-json)' }];

/**
 * Builds the OpenAPI document: tags (only those some operation uses), BearerAuth, servers,
 * deterministic operation ids, the Idempotency-Key header on writes, the error answers shared by every
 * operation of a kind (documentSharedErrors) and an example per error status.
 * `problems` lists error responses whose description and status disagree.
 */
export function buildOpenApiDocumentWithProblems(app: INestApplication): { document: OpenAPIObject; problems: ErrorExampleProblem[] } {
  const builder = new DocumentBuilder()
    .setTitle('Greenlight API')
    .setDescription(DESCRIPTION)
    .setVersion('v1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'API key, e.g. gl_1a2b3c4d_...' }, 'BearerAuth');
  for (const server of OPENAPI_SERVERS) builder.addServer(server.url, server.description);
  for (const tag of OPENAPI_TAGS) builder.addTag(tag.name, tag.description);
  const doc = SwaggerModule.createDocument(app, builder.build());
  const used = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId = operationIdFor(method, path);
      for (const tag of op.tags ?? []) used.add(tag);
      if (MUTATING_METHODS.has(method) && path.startsWith('/api/')) documentIdempotencyKey(op);
    }
  }
  // A tag no operation carries is an empty section in every viewer and generator.
  doc.tags = (doc.tags ?? []).filter((t) => used.has(t.name));
  documentSharedErrors(doc);
  const problems = documentErrorExamples(doc);
  const controllers = [...app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()].map((w) => w.metatype));
  const classes = controllers.filter((c): c is Type<unknown> => typeof c === 'function');
  for (const collision of schemaNameCollisions(classes)) problems.push({ where: 'components.schemas', problem: collision });
  return { document: doc, problems };
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return buildOpenApiDocumentWithProblems(app).document;
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
