import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsoleLogger, INestApplication, LoggerService, NestApplicationOptions } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import pino, { DestinationStream, Level, Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppConfig, logLevels } from '@greenlight/config';
import { requestState } from '@greenlight/tenancy';
import { SERVICE_NAME } from './health';

/**
 * How the apps log. `json`: one JSON object per line (pino); every line written while a request is
 * handled carries its `request_id` (the one of X-Request-Id), and each request ends with one line
 * (method, path, status, duration) — what log files and log shippers want. `pretty`: Nest's readable
 * lines, coloured only on a terminal. LOG_FORMAT=auto (the default) picks pretty on a terminal and
 * json otherwise, so `.greenlight/logs/*.log` and container logs are JSON without colour codes.
 */
export type LogFormat = 'json' | 'pretty';

export function resolveLogFormat(setting: string, stdoutIsTty: boolean = process.stdout.isTTY === true): LogFormat {
  if (setting === 'json' || setting === 'pretty') return setting;
  return stdoutIsTty ? 'pretty' : 'json';
}

/** LOG_LEVEL (Nest's names) as a pino level. */
export function pinoLevel(level: string): Level {
  const map: Record<string, Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };
  return map[level] ?? 'info';
}

const isJson = (config: AppConfig) => resolveLogFormat(config.get('LOG_FORMAT')) === 'json';

/** Where JSON logs go: stdout, unless a test hands its own stream. */
let destinationOverride: DestinationStream | undefined;
const roots = new Map<string, Pino>();
export function setLogDestinationForTests(stream: DestinationStream | undefined): void {
  destinationOverride = stream;
  roots.clear();
}

/** One pino logger per service and level (an api and a worker may share a process in tests). */
function rootLogger(config: AppConfig, service: string): Pino {
  const level = pinoLevel(config.get('LOG_LEVEL'));
  const key = `${service}|${level}`;
  let root = roots.get(key);
  if (!root) {
    const options = {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    };
    root = destinationOverride ? pino(options, destinationOverride) : pino(options);
    roots.set(key, root);
  }
  return root;
}

/** The logger of the request being handled, set by the request-logging middleware. */
const requestLogger = new AsyncLocalStorage<Pino>();

/**
 * Nest's logger interface over pino. Nest calls `log(message, context)` and `error(message, stack?,
 * context)`; the context becomes a field, a stack is kept in the message's `stack` field.
 */
export class JsonLogger implements LoggerService {
  constructor(private readonly root: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const target = requestLogger.getStore() ?? this.root;
    if (!target.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const rest = [...params];
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
    const stack = rest.find((p): p is string => typeof p === 'string' && /\n\s+at /.test(p));
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      target[level](fields, message.message);
    } else if (message !== null && typeof message === 'object') {
      target[level]({ ...fields, ...(message as object) });
    } else {
      target[level](fields, String(message));
    }
  }
}

/** NestFactory.create options for the app's logger. */
export function loggerFactoryOptions(config: AppConfig, service: 'api' | 'worker'): Pick<NestApplicationOptions, 'logger'> {
  if (isJson(config)) return { logger: new JsonLogger(rootLogger(config, service)) };
  return {
    logger: new ConsoleLogger({ logLevels: logLevels(config.get('LOG_LEVEL')), colors: process.stdout.isTTY === true && !process.env.NO_COLOR }),
  };
}

const path = (req: IncomingMessage) => ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0];

/**
 * With JSON logs: the middleware (right after the one that picks the request id) that writes each
 * request's closing line and makes the request's logger the one every log call inside it uses. Plain
 * middleware, not a route: unmatched requests stay unmatched for the metrics.
 */
export function requestLogging(app: INestApplication): RequestHandler[] {
  const config = app.get(AppConfig);
  if (!isJson(config)) return [];
  const http = pinoHttp({
    logger: rootLogger(config, app.get<string>(SERVICE_NAME)),
    // The id the request pipeline chose (the client's when sane), so logs and responses agree.
    genReqId: (req: IncomingMessage) => requestState(req).request_id,
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    // Lines logged while handling a request carry only its id, not the whole request.
    quietReqLogger: true,
    // No headers, no bodies: they hold API keys and customer data.
    serializers: {
      req: (req: IncomingMessage) => ({ method: req.method, path: path(req) }),
      res: (res: ServerResponse) => ({ status_code: res.statusCode }),
    },
    wrapSerializers: false,
    // The request line is the access log; the failure behind a 5xx is logged by the error filter.
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${path(req)} ${res.statusCode}`,
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${path(req)} ${res.statusCode}`,
    // pino-http's stand-in error for a 5xx ("failed with status code 500") says nothing the line does not.
    customErrorObject: (_req: IncomingMessage, _res: ServerResponse, _err: Error, val: Record<string, unknown>) => {
      const { err: _standIn, ...rest } = val;
      return rest;
    },
  });
  const bind = (req: Request, _res: Response, next: NextFunction) => requestLogger.run((req as unknown as { log: Pino }).log, next);
  return [http as unknown as RequestHandler, bind];
}
