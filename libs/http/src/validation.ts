import { applyDecorators, ArgumentMetadata, Injectable, ParseUUIDPipe, PipeTransform, ValidationPipe } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Length, Matches, registerDecorator, ValidateIf, ValidationError, ValidationOptions } from 'class-validator';
import { Transform } from 'class-transformer';
import { DomainError } from '@greenlight/platform';

export interface FieldIssue {
  field: string;
  messages: string[];
}

/** Flattens class-validator's tree into `[{ field: 'a.b.0.c', messages }]`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints && Object.keys(e.constraints).length > 0) {
      out.push({ field, messages: Object.values(e.constraints).map((m) => m.replace(/^property /, '')) });
    }
    if (e.children && e.children.length > 0) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/**
 * Validates bodies, queries and params against their DTO classes: unknown fields are refused,
 * strings are converted to the declared types, and every problem is reported per field as
 * VALIDATION_ERROR.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const details = flattenValidationErrors(errors);
        const summary = details.map((d) => `${d.field}: ${d.messages.join(', ')}`).join('; ');
        return DomainError.validation(`request validation failed: ${summary}`, details);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = typeof metadata.metatype === 'function' && this.toValidate(metadata);
    if (metadata.type === 'body' && isDto) {
      if (value === undefined || value === null || Array.isArray(value) || typeof value !== 'object') {
        throw DomainError.validation('request body must be a JSON object', [{ field: 'body', messages: ['must be a JSON object'] }]);
      }
    }
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const found = findForbiddenContent(value, metadata.type === 'param' ? (metadata.data ?? 'param') : '');
      if (found !== null) {
        const field = found.path || metadata.type;
        if (found.kind === 'nul') {
          throw DomainError.validation(`${field} contains a NUL character`, [{ field, messages: ['must not contain NUL (\\u0000) characters'] }]);
        }
        throw DomainError.validation(`${field} is not an allowed field name`, [
          { field, messages: ['is a reserved name (__proto__, constructor, prototype) and is not allowed'] },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

/** Object keys that could reach an object's prototype chain; refused anywhere in a request. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Path of the first string or key holding U+0000 (which Postgres cannot store) or of the first
 * reserved key (`__proto__`, `constructor`, `prototype`); null if none. Iterative, so a deep value
 * cannot exhaust the stack.
 */
export function findForbiddenContent(value: unknown, root = ''): { path: string; kind: 'nul' | 'reserved_key' } | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path, kind: 'nul' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    for (const k of Object.keys(v as object)) {
      const childPath = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) return { path: childPath, kind: 'nul' };
      if (RESERVED_KEYS.has(k)) return { path: childPath, kind: 'reserved_key' };
      stack.push([(v as Record<string, unknown>)[k], childPath]);
    }
  }
  return null;
}

/** Path ids must be UUIDs; anything else is a VALIDATION_ERROR naming the parameter. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, Promise<string>> {
  private readonly inner = new ParseUUIDPipe({ version: undefined });

  async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    try {
      return await this.inner.transform(value, metadata);
    } catch {
      const field = metadata.data ?? 'id';
      throw DomainError.validation(`${field} must be a UUID`, [{ field, messages: ['must be a UUID'] }]);
    }
  }
}

/**
 * An absolute http(s) URL as WHATWG URL parses it (IPv6 literals and numeric hosts included), without
 * credentials. Whether the address may be called is the outbound guard's decision, at call time.
 */
export function IsHttpUrl(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an absolute http or https URL without credentials`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || value.length > 2048) return false;
          try {
            const u = new URL(value);
            return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname && !u.username && !u.password;
          } catch {
            return false;
          }
        },
      },
    });
}

/** A display name: a string of 1–200 characters that is not blank. */
export const IsDisplayName = () => applyDecorators(IsString(), Length(1, 200), Matches(/\S/, { message: '$property must not be blank' }));

/**
 * A body or query field that may be left out but, when present, must be valid: unlike
 * class-validator's IsOptional, `null` is not a way of leaving it out and is refused.
 */
export const OptionalField = () => ValidateIf((_, v) => v !== undefined);

/** A field that may be left out or be `null` (which the operation documents, e.g. "null clears it"). */
export const NullableField = () => ValidateIf((_, v) => v !== undefined && v !== null);

/** Query-string booleans: `true` / `false` become booleans; anything else fails the IsBoolean check after it. */
export const QueryBoolean = () => Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

/**
 * Query-string numbers in plain decimal notation (`12`, `-3`, `0.5`) become numbers; anything else
 * (`0x10`, `1e3`, an empty value, spaces) stays a string and fails the number check after it.
 */
export const QueryNumber = () => Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,20}(\.\d{1,20})?$/.test(value) ? Number(value) : value));

/** The `org_id` filter of a list: global keys name any org, org keys only their own; another or an unknown org answers 404. */
export const OrgIdFilter = () =>
  applyDecorators(
    ApiPropertyOptional({
      format: 'uuid',
      description: 'Only this org. Global keys: any org (404 when it does not exist); org keys: their own, another org answers 404',
    }),
    OptionalField(),
    IsUUID(),
  );
