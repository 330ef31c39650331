import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

export const PUBLIC_ROUTE = 'greenlight:public';
export const RAW_RESPONSE = 'greenlight:raw-response';
export const REQUIRE_IDEMPOTENCY_KEY = 'greenlight:require-idempotency-key';

/** The route needs no API key (health, metrics, docs). Every other route must declare `@Auth(role)`. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The handler's return value is sent as is, without the `{ data, meta }` envelope. */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

export const SENSITIVE_RESPONSE_FIELDS = 'greenlight:sensitive-response-fields';

/** Response fields shown once and never stored, not even for Idempotency-Key replays (they replay as null). */
export const SensitiveResponse = (...fields: string[]) => SetMetadata(SENSITIVE_RESPONSE_FIELDS, fields);

/** The route refuses requests without an Idempotency-Key header (VALIDATION_ERROR); documented as required. */
export const RequireIdempotencyKey = () =>
  applyDecorators(
    SetMetadata(REQUIRE_IDEMPOTENCY_KEY, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description:
        'Required on this operation: the same key and payload replay the stored response for 24 h; another payload answers 422 IDEMPOTENCY_KEY_REUSED',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }),
  );
