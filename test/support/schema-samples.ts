// Values derived from the OpenAPI document: a plausible value for each schema, and the bad values
// (null, wrong types, edge values) a careless or hostile client sends instead.

export type Schema = Record<string, any>;

/** Ids of real resources, keyed by the field or path-parameter name that refers to them. */
export type Fixtures = Record<string, string>;

export const MISSING_UUID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

export function deref(doc: any, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; i < 10 && s.$ref; i++) {
    s = doc.components.schemas[String(s.$ref).slice('#/components/schemas/'.length)];
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1) return deref(doc, s.allOf[0]);
  return s;
}

/** A plausible value for `schema` (examples, defaults, enums, bounds and fixture ids first). */
export function sample(doc: any, schema: Schema | undefined, name: string, fixtures: Fixtures, depth = 0): unknown {
  const s = deref(doc, schema);
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (s.format === 'uuid') return fixtures[name] ?? MISSING_UUID;
  if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  switch (s.type) {
    case 'string':
      return s.minLength && s.minLength > 1 ? 'x'.repeat(s.minLength) : `sample ${name}`;
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? Math.max(s.minimum, Math.min(1, s.maximum ?? 1)) : 1;
    case 'boolean':
      return false;
    case 'array':
      return depth > 3 ? [] : [sample(doc, s.items, singular(name), fixtures, depth + 1)];
    default:
      if (s.properties) return sampleObject(doc, s, fixtures, depth + 1, false);
      return {};
  }
}

/** An object with every required property (and optionally every property) filled in. */
export function sampleObject(doc: any, schema: Schema, fixtures: Fixtures, depth = 0, all = false): Record<string, unknown> {
  const s = deref(doc, schema);
  const out: Record<string, unknown> = {};
  const required = new Set<string>(s.required ?? []);
  for (const [key, prop] of Object.entries<Schema>(s.properties ?? {})) {
    if (all || required.has(key) || key === 'org_id') out[key] = sample(doc, prop, key, fixtures, depth);
  }
  return out;
}

function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

export interface BadValue {
  label: string;
  value: unknown;
  /** The schema rules this value out, so the answer must be 400 VALIDATION_ERROR. */
  mustRefuse: boolean;
}

/** Values a field must never turn into a 5xx; those its schema rules out must be refused with 400. */
export function badValues(doc: any, schema: Schema): BadValue[] {
  const s = deref(doc, schema);
  const typed = typeof s.type === 'string' && !s.oneOf && !s.anyOf;
  const refuse = (label: string, value: unknown): BadValue => ({ label, value, mustRefuse: typed });
  const edge = (label: string, value: unknown): BadValue => ({ label, value, mustRefuse: false });
  const out: BadValue[] = [{ label: 'null', value: null, mustRefuse: typed && !s.nullable }];
  switch (s.type) {
    case 'string':
      out.push(refuse('number', 12345), refuse('object', { a: 1 }), refuse('array', ['x']), refuse('boolean', true));
      out.push(edge('empty string', ''), edge('blank', '   '), edge('100k chars', 'x'.repeat(100_000)), edge('unicode', '\u202e\ud83d\ude00\u0301'));
      if (Array.isArray(s.enum)) out.push(refuse('not in enum', 'no_such_value'));
      if (s.format === 'uuid') out.push(refuse('not a uuid', 'not-a-uuid'));
      if (s.format === 'date-time') out.push(refuse('not a date', 'yesterday-ish'));
      break;
    case 'integer':
    case 'number':
      out.push(refuse('numeric string', '12'), refuse('boolean', true), refuse('object', { a: 1 }), refuse('array', [1]));
      out.push(edge('huge', 1e308), edge('negative huge', -1e308), edge('2^63', 2 ** 63), edge('fraction', 1.5), edge('negative', -1), edge('zero', 0));
      if (typeof s.maximum === 'number') out.push(refuse('above maximum', s.maximum + 1));
      if (typeof s.minimum === 'number') out.push(refuse('below minimum', s.minimum - 1));
      break;
    case 'boolean':
      out.push(refuse('string', 'true'), refuse('number', 1), refuse('object', {}));
      break;
    case 'array':
      out.push(refuse('string', 'x'), refuse('object', { a: 1 }), refuse('number', 1), edge('empty', []), edge('nested nulls', [null, null]));
      out.push(
        edge(
          '10k items',
          Array.from({ length: 10_000 }, () => 'x'),
        ),
      );
      break;
    case 'object':
      out.push(refuse('string', 'x'), refuse('array', []), refuse('number', 1), edge('empty', {}));
      break;
    default:
      out.push(edge('number', 12345), edge('string', 'x'), edge('empty object', {}));
  }
  return out;
}

/** Raw query-string values; those the parameter's schema rules out must be refused with 400. */
export function badQueryValues(doc: any, schema: Schema): BadValue[] {
  const s = deref(doc, schema);
  const refuse = (label: string, value: string): BadValue => ({ label, value, mustRefuse: true });
  const edge = (label: string, value: string): BadValue => ({ label, value, mustRefuse: false });
  const out: BadValue[] = [edge('long', 'x'.repeat(5000)), edge('unicode', '\u202e\ud83d\ude00')];
  if (s.type === 'integer' || s.type === 'number') {
    out.push(refuse('hex', '0x10'), refuse('exponent', '1e3'), refuse('empty', ''), refuse('word', 'ten'), refuse('spaces', ' 1 '));
    out.push(refuse('20 digits', '99999999999999999999'), refuse('infinity', 'Infinity'));
  } else if (s.type === 'boolean') {
    out.push(refuse('yes', 'yes'), refuse('empty', ''), refuse('number', '1'));
  } else if (Array.isArray(s.enum)) {
    out.push(refuse('not in enum', 'no_such_value'), refuse('empty', ''));
  } else if (s.format === 'uuid') {
    out.push(refuse('not a uuid', 'nope'), refuse('empty', ''));
  } else {
    out.push(edge('empty', ''));
  }
  return out;
}
