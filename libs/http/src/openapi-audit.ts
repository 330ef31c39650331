import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = Record<string, unknown>;

const COMPOSED = ['$ref', 'oneOf', 'anyOf', 'allOf', 'enum'];

/**
 * Schemas a client generator cannot type: an `object` with neither properties nor
 * `additionalProperties` (generators emit `Record<string, never>` or `object`, usually because a
 * decorator said `type: Object` for a string or number), and `nullable` without a `type` beside it
 * (OpenAPI 3.0 ignores it there). Returns where each one is, e.g. `AgentView.owner`.
 */
export function untypedSchemas(doc: OpenAPIObject): string[] {
  const found: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, `${where}[${i}]`));
      return;
    }
    const s = node as Schema;
    const composed = COMPOSED.some((k) => k in s);
    if (s.type === 'object' && !s.properties && s.additionalProperties === undefined && !composed) found.push(`${where}: object without properties`);
    if (s.nullable === true && s.type === undefined && !composed) found.push(`${where}: nullable without a type`);
    for (const [key, value] of Object.entries(s)) {
      if (key === 'example' || key === 'examples') continue;
      walk(value, key === 'properties' ? where : `${where}.${key}`);
    }
  };
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) walk(schema, name);
  walk(doc.paths, 'paths');
  return found;
}

const SWAGGER_RESPONSES = 'swagger/apiResponse';
const SWAGGER_EXTRA_MODELS = 'swagger/apiExtraModels';
const SWAGGER_PROPERTIES = 'swagger/apiModelPropertiesArray';
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';
const SWAGGER_SCHEMA = 'swagger/apiSchema';
const BUILT_INS = new Set<unknown>([String, Number, Boolean, Date, Object, Array, Buffer, Symbol, BigInt, Function, Promise]);

type Ctor = abstract new (...args: never[]) => unknown;

const isClass = (t: unknown): t is Ctor => typeof t === 'function' && !!(t as { prototype?: unknown }).prototype && !BUILT_INS.has(t);

/** A property's `type` as decorated: a class, `[Class]`, or `() => Class` (lazy, for cycles). */
function classesOf(type: unknown): Ctor[] {
  if (Array.isArray(type)) return type.flatMap(classesOf);
  if (isClass(type)) return [type];
  if (typeof type === 'function' && !(type as { prototype?: unknown }).prototype) {
    try {
      return classesOf((type as () => unknown)());
    } catch {
      return [];
    }
  }
  return [];
}

function schemaName(cls: Ctor): string {
  // @ApiSchema({ name }) stores its options in a list
  const meta = Reflect.getMetadata(SWAGGER_SCHEMA, cls) as { name?: string } | { name?: string }[] | undefined;
  return (Array.isArray(meta) ? meta[meta.length - 1] : meta)?.name ?? cls.name;
}

/**
 * Schema names two different classes would both be documented under. The document keys schemas by
 * class name, so the second silently replaces the first and every operation using either describes
 * one of them wrongly (e.g. two `ReadinessView`s). `controllers` are the controller classes of the app;
 * every model reachable from their responses, parameters and extra models is checked.
 */
export function schemaNameCollisions(controllers: Ctor[]): string[] {
  const byName = new Map<string, Set<Ctor>>();
  const visited = new Set<Ctor>();
  const visit = (cls: Ctor): void => {
    if (visited.has(cls)) return;
    visited.add(cls);
    const name = schemaName(cls);
    if (!byName.has(name)) byName.set(name, new Set());
    byName.get(name)!.add(cls);
    const props = (Reflect.getMetadata(SWAGGER_PROPERTIES, cls.prototype) as string[] | undefined) ?? [];
    for (const key of props) {
      const meta = Reflect.getMetadata(SWAGGER_PROPERTY, cls.prototype, key.replace(/^:/, '')) as { type?: unknown; items?: { type?: unknown } } | undefined;
      for (const c of [...classesOf(meta?.type), ...classesOf(meta?.items?.type)]) visit(c);
    }
  };
  for (const controller of controllers) {
    for (const c of (Reflect.getMetadata(SWAGGER_EXTRA_MODELS, controller) as unknown[] | undefined) ?? []) classesOf(c).forEach(visit);
    const proto = controller.prototype as Record<string, unknown>;
    for (const method of Object.getOwnPropertyNames(proto)) {
      const handler = proto[method];
      if (method === 'constructor' || typeof handler !== 'function') continue;
      const responses = (Reflect.getMetadata(SWAGGER_RESPONSES, handler) as Record<string, { type?: unknown }> | undefined) ?? {};
      for (const r of Object.values(responses)) classesOf(r.type).forEach(visit);
      for (const c of (Reflect.getMetadata(SWAGGER_EXTRA_MODELS, handler) as unknown[] | undefined) ?? []) classesOf(c).forEach(visit);
      for (const c of (Reflect.getMetadata('design:paramtypes', proto, method) as unknown[] | undefined) ?? []) classesOf(c).forEach(visit);
    }
  }
  return [...byName.entries()]
    .filter(([, classes]) => classes.size > 1)
    .map(([name, classes]) => `${name}: ${classes.size} different classes share this schema name`);
}
