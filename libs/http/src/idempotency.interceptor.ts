import { CallHandler, ExecutionContext, HttpStatus, Injectable, Logger, NestInterceptor, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError, IdempotencyStore } from '@greenlight/platform';
import { requestState } from '@greenlight/tenancy';
import { isMutating } from './request-pipeline';
import { REQUIRE_IDEMPOTENCY_KEY, SENSITIVE_RESPONSE_FIELDS } from './route-metadata';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POST/PUT/PATCH/DELETE: the first request with a key runs and its successful
 * response is stored; the same key and payload again replays it; another payload answers 422
 * IDEMPOTENCY_KEY_REUSED; a duplicate while the first still runs answers 409 IDEMPOTENCY_IN_PROGRESS.
 * Keys are scoped per API key. A failed request releases its key so the client may retry it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('IdempotencyInterceptor');

  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!isMutating(req.method)) return next.handle();

    const key = req.header('idempotency-key');
    const required = this.reflector.getAllAndOverride<boolean>(REQUIRE_IDEMPOTENCY_KEY, [context.getHandler(), context.getClass()]);
    if (key === undefined) {
      if (required) {
        return throwError(() =>
          DomainError.validation('Idempotency-Key header is required for this operation', [{ field: 'Idempotency-Key', messages: ['is required'] }]),
        );
      }
      return next.handle();
    }
    if (!KEY_PATTERN.test(key)) {
      return throwError(() =>
        DomainError.validation('Idempotency-Key must be 1-255 printable ASCII characters', [
          { field: 'Idempotency-Key', messages: ['must be 1-255 printable ASCII characters'] },
        ]),
      );
    }
    const actor = requestState(req).actor;
    if (!actor) return next.handle(); // public routes have no key scope to store under
    if (req.is('multipart/form-data')) {
      // The file parts are read after this interceptor, so the payload could not be compared.
      return throwError(() =>
        DomainError.validation('Idempotency-Key is not supported on multipart requests; send the file as content_base64 in JSON', [
          { field: 'Idempotency-Key', messages: ['not supported with multipart/form-data'] },
        ]),
      );
    }
    const sensitive = this.reflector.getAllAndOverride<string[]>(SENSITIVE_RESPONSE_FIELDS, [context.getHandler(), context.getClass()]) ?? [];

    const successStatus = this.successStatus(context);
    const path = req.url; // canonical /api/v1 form, legacy routes are rewritten before routing
    return from(this.store.claim({ api_key_id: actor.key_id, key, method: req.method, path, body: req.body ?? null })).pipe(
      mergeMap((claim) => {
        switch (claim.outcome) {
          case 'mismatch':
            throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'Idempotency-Key was already used with a different request', {
              idempotency_key: key,
            });
          case 'in_progress':
            throw new DomainError(ErrorCode.IDEMPOTENCY_IN_PROGRESS, 'a request with this Idempotency-Key is still in progress', {
              idempotency_key: key,
            });
          case 'replay':
            res.setHeader('Idempotency-Replayed', 'true');
            return of(claim.response_body);
          case 'acquired':
            return next.handle().pipe(
              catchError((err) => from(this.store.release(claim.record_id, claim.claim).catch(() => undefined)).pipe(mergeMap(() => throwError(() => err)))),
              mergeMap(async (data) => {
                // The handler has committed: storing the replay must not turn success into failure, nor
                // release the key (a retry would run the handler twice).
                await this.store
                  .complete(claim.record_id, claim.claim, successStatus, redact(data ?? null, sensitive))
                  .catch(() => this.store.complete(claim.record_id, claim.claim, successStatus, null))
                  .catch((e: Error) => this.logger.warn(`could not store the idempotent response: ${e.message}`));
                return data;
              }),
            );
        }
      }),
    );
  }

  private successStatus(context: ExecutionContext): number {
    const explicit = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler());
    if (explicit) return explicit;
    const method = this.reflector.get<RequestMethod>(METHOD_METADATA, context.getHandler());
    return method === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK;
  }
}

/** The response as stored for replay: secrets shown once (e.g. a new API key) are replaced by null. */
function redact(data: unknown, fields: string[]): unknown {
  if (!fields.length || !data || typeof data !== 'object' || Array.isArray(data)) return data;
  const copy: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const f of fields) if (f in copy) copy[f] = null;
  return copy;
}
