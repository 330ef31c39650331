// Every JSON answer an e2e test receives through supertest is checked against the response schema that
// openapi.json documents for its operation and status. The SDK's types are generated from that file,
// so a passing suite means the types describe what the API really sends. A wrong answer fails the test
// that made the request, naming the operation, the status, where in the body and what was expected.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';

type Schema = Record<string, unknown>;
interface ResponseDoc {
  content?: Record<string, { schema?: Schema }>;
}
interface OperationDoc {
  responses?: Record<string, ResponseDoc>;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, OperationDoc>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One answer as the test received it. */
export interface Answer {
  method: string;
  /** Full URL or path; the query is ignored. */
  url: string;
  status: number;
  contentType: string | undefined;
  body: unknown;
}

/**
 * `checked`: valid against its documented schema. `skipped`: nothing to check (not JSON, no body, not
 * an operation of the document). `mismatch`: the body breaks the schema. `undocumented`: a documented
 * operation answered JSON with a status or content type its document does not list.
 */
export type AnswerVerdict = { kind: 'checked' } | { kind: 'skipped' } | { kind: 'mismatch'; message: string } | { kind: 'undocumented'; message: string };

const DOC_ID = 'openapi';
const ERROR_ENVELOPE: Schema = { $ref: '#/components/schemas/ErrorEnvelope' };
const NOT_SCHEMA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'description']);

/**
 * OpenAPI 3.0 schema → JSON Schema: `nullable: true` allows null (a `$ref`/`allOf`/`enum` schema
 * becomes "null or that schema"), boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers, and
 * component references point into the document registered under DOC_ID.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out[key] = `${DOC_ID}${value}`;
    // Property names are not keywords: a property called `description` or `default` is a schema too.
    else if (key === 'properties' && value && typeof value === 'object')
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)]));
    else out[key] = NOT_SCHEMA_KEYS.has(key) ? value : toJsonSchema(value);
  }
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else delete out[flag];
  }
  const nullable = out.nullable === true;
  delete out.nullable;
  if (!nullable) return out;
  const composite = ['$ref', 'allOf', 'anyOf', 'oneOf', 'enum'].some((k) => k in out);
  if (!composite && typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [{ type: 'null' }, out] };
}

interface Route {
  template: string;
  pattern: RegExp;
  params: number;
  methods: Record<string, OperationDoc>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function routesOf(doc: OpenApiDoc): Route[] {
  const routes = Object.entries(doc.paths).map(([template, methods]) => {
    const segments = template.split('/').map((seg) => (/^\{[^}]+\}$/.test(seg) ? '[^/]+' : escapeRegExp(seg)));
    return { template, pattern: new RegExp(`^${segments.join('/')}$`), params: (template.match(/\{/g) ?? []).length, methods };
  });
  // A literal segment wins over a parameter (`/jobs/failed` before `/jobs/{job_id}`).
  return routes.sort((a, b) => a.params - b.params);
}

const isJson = (contentType: string | undefined) => !!contentType && /^application\/([\w.-]+\+)?json\b/i.test(contentType);

/** The JSON pointer `pointer` inside `body`, shortened for a message. */
function valueAt(body: unknown, pointer: string): string {
  let node: unknown = body;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  const text = node === undefined ? 'nothing' : JSON.stringify(node);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function describeError(e: ErrorObject, body: unknown): string {
  const where = e.instancePath || '/';
  let expected = e.message ?? e.keyword;
  if (e.keyword === 'enum') expected += ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  if (e.keyword === 'required') return `at ${where}: ${expected}`;
  return `at ${where}: ${expected}; got ${valueAt(body, e.instancePath)}`;
}

/** The errors worth reading: a null-or-X schema reports "must be null" beside the real problem. */
function usefulErrors(errors: ErrorObject[]): ErrorObject[] {
  const useful = errors.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && (e.params as { type?: string }).type === 'null'));
  return (useful.length ? useful : errors).slice(0, 3);
}

/** Validates answers against one OpenAPI document; each response schema is compiled once, on first use. */
export class AnswerSchemas {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly bySchema = new Map<string, ValidateFunction | null>();

  constructor(
    doc: OpenApiDoc,
    private readonly knownGaps: ReadonlySet<string> = new Set(),
  ) {
    this.ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, inlineRefs: false, code: { optimize: false } });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: DOC_ID, components: toJsonSchema(doc.components ?? {}) });
    this.routes = routesOf(doc);
  }

  /** The documented operation `method` + `path` reaches, with its path template. */
  operation(method: string, path: string): { template: string; op: OperationDoc } | null {
    let canonical = path.length > 1 ? path.replace(/\/+$/, '') : path;
    // `/api/...` answers the same as `/api/v1/...` (with a Deprecation header).
    if (/^\/api\/(?!v\d+(\/|$))/.test(canonical)) canonical = canonical.replace(/^\/api\//, '/api/v1/');
    for (const route of this.routes) {
      const op = route.methods[method.toLowerCase()];
      if (op && route.pattern.test(canonical)) return { template: route.template, op };
    }
    return null;
  }

  check(answer: Answer): AnswerVerdict {
    const method = answer.method.toUpperCase();
    if (method === 'HEAD' || answer.status === 204 || answer.status === 304 || !isJson(answer.contentType)) return { kind: 'skipped' };
    if (answer.body === undefined || answer.body === '') return { kind: 'skipped' };
    const path = new URL(answer.url, 'http://answer.invalid').pathname;
    const found = this.operation(method, path);
    if (!found) return { kind: 'skipped' };
    const label = `${method} ${found.template} ${answer.status}`;
    const responses = found.op.responses ?? {};
    const status = String(answer.status);
    const documented = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
    const content = documented?.content ?? {};
    const mediaType = Object.keys(content).find((type) => isJson(type));
    if (documented && mediaType) return this.validate(label, `${label} ${mediaType}`, content[mediaType].schema, answer.body);
    // A known gap is still an error answer: it must be the error envelope every error answer uses.
    const knownGap = this.knownGaps.has(label) || this.knownGaps.has(`* ${answer.status}`);
    if (knownGap && answer.status >= 400)
      return this.validate(`${label} (not documented yet; as the error envelope)`, 'ErrorEnvelope', ERROR_ENVELOPE, answer.body);
    const code = (answer.body as { error?: { code?: unknown } } | null)?.error?.code;
    const answered = typeof code === 'string' ? ` (answered ${code})` : '';
    if (!documented) return { kind: 'undocumented', message: `${label}: this status is not documented for the operation${answered}` };
    const listed = Object.keys(content).join(', ') || 'no body';
    return { kind: 'undocumented', message: `${label}: answered ${answer.contentType}, documented ${listed}${answered}` };
  }

  private validate(label: string, key: string, schema: Schema | undefined, body: unknown): AnswerVerdict {
    const validate = this.validator(key, schema);
    if (!validate || validate(body)) return { kind: 'checked' };
    const problems = usefulErrors(validate.errors ?? []).map((e) => describeError(e, body));
    return { kind: 'mismatch', message: `${label}: the answer does not match openapi.json: ${problems.join('; ')}` };
  }

  private validator(key: string, schema: Schema | undefined): ValidateFunction | null {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      // Most operations share a schema (every error answer is `$ref: ErrorEnvelope`): compile each once.
      const text = schema ? JSON.stringify(schema) : '';
      validate = this.bySchema.get(text);
      if (validate === undefined) {
        validate = schema ? this.ajv.compile(toJsonSchema(schema) as Schema) : null;
        this.bySchema.set(text, validate);
      }
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** What this test file's answers came to (read by the spec that proves the check works). */
export const answerStats = { checked: 0, skipped: 0, mismatches: 0, undocumented: 0, ms: 0 };

/**
 * Statuses the api answers that openapi.json does not list yet for the operation (method, path
 * template, status; `*` and a status: any operation). Each is still checked as the error envelope every
 * error answer uses; any other undocumented status fails. Remove an entry once its operation documents
 * the status (a test checks that every entry is still missing from the document).
 */
export const NOT_DOCUMENTED_YET: readonly string[] = [
  // Empty: every status the e2e suite sees is documented. The 503 of an unreachable store, the body and
  // Idempotency-Key answers of writes are documented on every operation they apply to, the others on
  // their operations.
];

let schemas: AnswerSchemas | null = null;
/** The committed document (the openapi spec proves it equals what the api serves). */
export function committedAnswerSchemas(): AnswerSchemas {
  schemas ??= new AnswerSchemas(JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as OpenApiDoc, new Set(NOT_DOCUMENTED_YET));
  return schemas;
}

/**
 * ANSWER_SCHEMAS: unset fails the test on a wrong answer; `report` only lists the problems in the
 * ANSWER_SCHEMAS_LOG file (to survey a change); `off` leaves supertest alone.
 */
const MODE = process.env.ANSWER_SCHEMAS ?? 'fail';
const reported = new Set<string>();

interface ReceivedResponse {
  status: number;
  headers: Record<string, string | undefined>;
  text?: unknown;
  body?: unknown;
}

/** The problem with a response supertest received, or null. */
function problemWith(test: { method: string; url: string }, res: ReceivedResponse): Error | null {
  const started = performance.now();
  let body = res.body;
  try {
    if (Buffer.isBuffer(body)) body = body.length ? JSON.parse(body.toString('utf8')) : undefined;
    else if (typeof res.text === 'string' && res.text.trim() === '') body = undefined;
  } catch {
    body = undefined; // not JSON after all: superagent reports that itself
  }
  const verdict = committedAnswerSchemas().check({ method: test.method, url: test.url, status: res.status, contentType: res.headers['content-type'], body });
  answerStats.ms += performance.now() - started;
  if (verdict.kind === 'checked') answerStats.checked += 1;
  else if (verdict.kind === 'skipped') answerStats.skipped += 1;
  else if (verdict.kind === 'mismatch') answerStats.mismatches += 1;
  else answerStats.undocumented += 1;
  if (verdict.kind === 'checked' || verdict.kind === 'skipped') return null;
  if (MODE !== 'report') return new Error(verdict.message);
  reported.add(`${verdict.kind}: ${verdict.message}`);
  return null;
}

type Callback = (this: unknown, err: Error | null, res?: ReceivedResponse) => void;
type Test = { method: string; url: string };
type AssertFn = (this: Test, resError: Error | null, res: ReceivedResponse | undefined, fn?: Callback) => void;

/** Problems of requests nobody waited on (`.end()` without a callback), failed in afterEach. */
const unreported: Error[] = [];

const HOOKED = Symbol.for('greenlight.answer-schemas');
const proto = request.Test.prototype as unknown as { assert: AssertFn; [HOOKED]?: boolean };
if (MODE !== 'off' && !proto[HOOKED]) {
  proto[HOOKED] = true;
  const assert = proto.assert;
  // supertest calls assert once per finished request, then hands the first error to the caller's
  // callback (which is also how `await` and `.expect()` settle): a schema problem joins that path.
  proto.assert = function (this: Test, resError, res, fn) {
    assert.call(this, resError, res, (err, response) => {
      let failure = err;
      if (!failure && res) {
        try {
          failure = problemWith(this, res);
        } catch (e) {
          // A fault of the check itself must fail the test, not leave the request unsettled.
          failure = new Error(`checking the answer against openapi.json failed: ${e instanceof Error ? e.stack : String(e)}`);
        }
      }
      if (fn) fn.call(this, failure, response);
      else if (failure) unreported.push(failure);
    });
  };
}

afterEach(() => {
  const failures = unreported.splice(0);
  if (failures.length) throw failures[0];
});

afterAll(() => {
  // ANSWER_SCHEMAS_LOG=<file> appends one line per test file: how many answers were checked and the time spent.
  const log = process.env.ANSWER_SCHEMAS_LOG;
  if (log) {
    const line = { file: expect.getState().testPath, ...answerStats, ms: Math.round(answerStats.ms), problems: [...reported] };
    appendFileSync(log, `${JSON.stringify(line)}\n`);
  }
});
