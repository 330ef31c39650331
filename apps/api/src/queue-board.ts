import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter as BullBoardExpressAdapter } from '@bull-board/express';
import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { KeyAuthenticator } from '@greenlight/auth';
import { ErrorCode } from '@greenlight/contracts';
import { errorEnvelope } from '@greenlight/http';
import { ALL_QUEUES, JobProducer } from '@greenlight/queue';
import { requestState } from '@greenlight/tenancy';

export const QUEUE_BOARD_PATH = '/admin/queues';

/** The key from `Authorization: Bearer <key>` or, for browsers, HTTP Basic with the key as password. */
function presentedKey(req: Request): string | null {
  const header = req.header('authorization') ?? '';
  const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic[ ]+(\S+)\s*$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : decoded;
}

/**
 * Bull Board at /admin/queues, for global admin keys only: it shows every queue, and so jobs of
 * every org. Browsers sign in with HTTP Basic (any user name, the API key as password).
 */
export function mountQueueBoard(app: INestApplication): void {
  const board = new BullBoardExpressAdapter();
  board.setBasePath(QUEUE_BOARD_PATH);
  const producer = app.get(JobProducer);
  createBullBoard({ queues: ALL_QUEUES.map((name) => new BullMQAdapter(producer.queue(name))), serverAdapter: board });
  const authenticator = app.get(KeyAuthenticator);

  const guard = async (req: Request, res: Response, next: NextFunction) => {
    const state = requestState(req);
    const deny = (status: number, code: ErrorCode, message: string, details: Record<string, unknown> | null = null) => {
      state.error_code = code;
      if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="Greenlight queues", charset="UTF-8"');
      res.status(status).json(errorEnvelope(code, message, details, state.request_id));
    };
    const key = presentedKey(req);
    if (!key) return deny(401, ErrorCode.UNAUTHORIZED, 'sign in with a global admin API key (HTTP Basic password or Bearer)');
    try {
      const result = await authenticator.authenticate(req.ip ?? req.socket.remoteAddress, key);
      if ('throttled' in result) {
        res.setHeader('Retry-After', String(result.throttled.retry_after_seconds));
        return deny(429, ErrorCode.RATE_LIMITED, 'too many failed authentication attempts from this address', { scope: 'client_address', ...result.throttled });
      }
      if ('rejected' in result) return deny(401, ErrorCode.UNAUTHORIZED, 'API key is not valid');
      if (result.key.role !== 'admin' || result.key.org_id !== null) {
        return deny(403, ErrorCode.FORBIDDEN, 'the queue board shows every org: it needs a global admin key');
      }
      state.actor = { key_id: result.key.id, org_id: null, role: 'admin', request_id: state.request_id };
      next();
    } catch (err) {
      next(err);
    }
  };
  app.use(QUEUE_BOARD_PATH, guard, board.getRouter());
}
