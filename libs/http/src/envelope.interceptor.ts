import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Observable, map } from 'rxjs';
import { requestState } from '@greenlight/tenancy';
import { RAW_RESPONSE } from './route-metadata';

/** Wraps every handler result as `{ data, meta: { request_id } }`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const raw = this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [context.getHandler(), context.getClass()]);
    if (raw) return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(map((data) => ({ data: data ?? null, meta: { request_id: requestState(req).request_id } })));
  }
}
