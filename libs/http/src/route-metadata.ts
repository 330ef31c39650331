import { SetMetadata } from '@nestjs/common';

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
