import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ErrorCode, Role, roleSatisfies } from '@greenlight/contracts';
import { ApiKeysService, KeyRejection } from '@greenlight/accounts';
import { AuthenticationError, DomainError } from '@greenlight/platform';
import { PUBLIC_ROUTE } from '@greenlight/http';
import { requestState } from '@greenlight/tenancy';
import { REQUIRED_ROLE } from './auth.decorator';
import { KeyAuthenticator } from './key-authenticator';
import { RateLimiter } from './rate-limiter';

const REJECTION_MESSAGES: Record<KeyRejection, string> = {
  malformed: 'API key is not valid: keys look like gl_<8 hex>_<43 characters>',
  unknown: 'API key is not valid',
  revoked: 'API key has been revoked',
  expired: 'API key has expired',
  misconfigured: 'API key is global but not admin; it cannot be used',
};

/**
 * Global guard: every route is either `@Public()` or `@Auth(role)`; a route with neither is refused
 * (fail closed). Authenticates the bearer key (failed attempts are throttled per client address),
 * applies the per-key rate limit, checks the role and puts the Actor on the request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger('ApiKeyGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly authenticator: KeyAuthenticator,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets);
    if (!required) throw new DomainError(ErrorCode.FORBIDDEN, 'this route declares no access policy');

    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const state = requestState(req);
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.header('authorization') ?? '');
    if (!match) {
      throw new AuthenticationError('missing or malformed Authorization header; expected "Bearer <api key>"', 'Bearer');
    }
    const result = await this.authenticator.authenticate(req.ip ?? req.socket.remoteAddress, match[1]);
    if ('throttled' in result) {
      const t = result.throttled;
      throw new DomainError(ErrorCode.RATE_LIMITED, `too many failed authentication attempts from this address; retry in ${t.retry_after_seconds} s`, {
        scope: 'client_address',
        limit: t.limit,
        window_seconds: t.window_seconds,
        retry_after_seconds: t.retry_after_seconds,
      });
    }
    if ('rejected' in result) {
      throw new AuthenticationError(REJECTION_MESSAGES[result.rejected], 'Bearer error="invalid_token"');
    }
    const key = result.key;
    state.actor = { key_id: key.id, org_id: key.org_id, role: key.role, request_id: state.request_id };

    const decision = await this.limiter.consume(key.id, key.rate_limit_per_minute);
    if (decision) {
      res.setHeader('RateLimit-Limit', String(decision.limit));
      res.setHeader('RateLimit-Remaining', String(decision.remaining));
      res.setHeader('RateLimit-Reset', String(decision.reset_seconds));
      if (!decision.allowed) {
        throw new DomainError(ErrorCode.RATE_LIMITED, `rate limit of ${decision.limit} requests per minute exceeded`, {
          limit: decision.limit,
          window_seconds: 60,
          retry_after_seconds: decision.reset_seconds,
        });
      }
    }

    if (!roleSatisfies(key.role, required)) {
      throw new DomainError(ErrorCode.FORBIDDEN, `this operation requires role ${required}`, {
        required_role: required,
        actual_role: key.role,
      });
    }
    this.keys.touch(key.id).catch((err: Error) => this.logger.warn(`last_used_at update failed: ${err.message}`));
    return true;
  }
}
