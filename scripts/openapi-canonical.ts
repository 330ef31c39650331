import type { OpenAPIObject } from '@nestjs/swagger';

/** Top-level sections in the order readers expect them; anything else follows, sorted. */
const TOP_LEVEL = ['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components'];
/** Maps keyed by name (paths, schemas, ...): sorted, so a module registered earlier or later does not reorder the file. */
const SORTED_MAPS = new Set([
  'paths',
  'components',
  'components.schemas',
  'components.securitySchemes',
  'components.responses',
  'components.parameters',
  'components.examples',
]);

function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, obj[k]]),
  );
}

/**
 * The document as it is committed: the same content the app serves, with a stable key order (top-level
 * sections in a fixed order, paths and components sorted by name, everything else in the order the
 * app declares it), two-space indentation and a trailing newline.
 */
export function canonicalOpenApiJson(doc: OpenAPIObject): string {
  const source = doc as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = [
    ...TOP_LEVEL.filter((k) => k in source),
    ...Object.keys(source)
      .filter((k) => !TOP_LEVEL.includes(k))
      .sort(),
  ];
  for (const key of keys) {
    let value = source[key];
    if (SORTED_MAPS.has(key) && value && typeof value === 'object') value = sortKeys(value as Record<string, unknown>);
    if (key === 'components' && value && typeof value === 'object') {
      const components = value as Record<string, unknown>;
      for (const [name, section] of Object.entries(components)) {
        if (SORTED_MAPS.has(`components.${name}`) && section && typeof section === 'object') components[name] = sortKeys(section as Record<string, unknown>);
      }
    }
    out[key] = value;
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Names of the paths and schemas that differ between two documents, for a short drift summary. */
export function openApiDifferences(committed: OpenAPIObject, fresh: OpenAPIObject): string[] {
  const lines: string[] = [];
  const compare = (what: string, a: Record<string, unknown> = {}, b: Record<string, unknown> = {}) => {
    for (const k of Object.keys(b).filter((k) => !(k in a))) lines.push(`+ ${what} ${k} (not in the committed file)`);
    for (const k of Object.keys(a).filter((k) => !(k in b))) lines.push(`- ${what} ${k} (no longer served)`);
    for (const k of Object.keys(a).filter((k) => k in b && JSON.stringify(a[k]) !== JSON.stringify(b[k]))) lines.push(`~ ${what} ${k} changed`);
  };
  compare('path', committed.paths, fresh.paths);
  compare('schema', committed.components?.schemas as Record<string, unknown>, fresh.components?.schemas as Record<string, unknown>);
  const rest = (d: OpenAPIObject) => JSON.stringify({ ...d, paths: undefined, components: { ...d.components, schemas: undefined } });
  if (rest(committed) !== rest(fresh)) lines.push('~ info, servers, tags or other components changed');
  return lines;
}
