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
