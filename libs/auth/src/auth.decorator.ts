import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiNotFoundResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { ErrorCode, Role } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { ErrorEnvelope } from '@greenlight/http';
import { Actor, requestState } from '@greenlight/tenancy';

export const REQUIRED_ROLE = 'greenlight:required-role';

/**
 * The one way to protect a route: requires a valid API key of at least `role`, and documents the
 * bearer security, the role (`x-required-role`) and the 401/403/404/429 answers.
 */
export function Auth(role: Role) {
  return applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiBearerAuth('BearerAuth'),
    ApiExtension('x-required-role', role),
    ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: missing, unknown, revoked or expired API key', type: ErrorEnvelope }),
    ApiForbiddenResponse({ description: `FORBIDDEN: the key's role is below ${role}`, type: ErrorEnvelope }),
    ApiNotFoundResponse({ description: "NOT_FOUND: no such resource in the caller's org", type: ErrorEnvelope }),
    ApiTooManyRequestsResponse({
      description: 'RATE_LIMITED: per-key limit reached',
      type: ErrorEnvelope,
      headers: { 'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer' } } },
    }),
  );
}

/** The authenticated caller of the request. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = requestState(ctx.switchToHttp().getRequest<Request>()).actor;
  if (!actor) throw new DomainError(ErrorCode.UNAUTHORIZED, 'authentication required');
  return actor;
});
