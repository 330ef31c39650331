import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsoleLogger, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import type { DestinationStream, Level } from 'pino';
import { AppConfig, logLevels } from '@greenlight/config';
import { requestState } from '@greenlight/tenancy';

/**
 * How the apps log. `json`: one JSON object per line (pino), every line written while a request is
 * handled carries its `request_id` (the one of X-Request-Id), and each request ends with one line
 * (method, path, status, time) — what log files and log shippers want. `pretty`: Nest's readable lines,
 * coloured only on a terminal. LOG_FORMAT=auto (the default) picks pretty on a terminal, json otherwise,
 * so `.greenlight/logs/*.log` and container logs are JSON without colour codes.
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

/** Where JSON logs go: stdout, unless a test hands its own stream to `loggingModules`. */
let destinationOverride: DestinationStream | undefined;
export function setLogDestinationForTests(stream: DestinationStream | undefined): void {
  destinationOverride = stream;
}

const path = (req: IncomingMessage) => ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0];

/** The logging module of an app: nothing extra for pretty logs, nestjs-pino (with pino-http) for JSON. */
export function loggingModules(config: AppConfig, service: 'api' | 'worker') {
  if (resolveLogFormat(config.get('LOG_FORMAT')) !== 'json') return [];
  const options = {
    level: pinoLevel(config.get('LOG_LEVEL')),
    base: { service, pid: process.pid },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
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
    // A 5xx request line does not repeat the failure: the error filter logged it, with its stack, under
    // the same request id; pino-http's own stand-in error ("failed with status code 500") is dropped.
    customErrorObject: (_req: IncomingMessage, _res: ServerResponse, _err: Error, val: Record<string, unknown>) => {
      const { err: _standIn, ...rest } = val;
      return rest;
    },
  };
  return [LoggerModule.forRoot({ pinoHttp: destinationOverride ? [options, destinationOverride] : options })];
}

/** NestFactory.create options for the app's logger (JSON logs are buffered until `attachLogger`). */
export function loggerFactoryOptions(config: AppConfig): Pick<NestApplicationOptions, 'logger' | 'bufferLogs'> {
  if (resolveLogFormat(config.get('LOG_FORMAT')) === 'json') return { bufferLogs: true };
  return {
    logger: new ConsoleLogger({ logLevels: logLevels(config.get('LOG_LEVEL')), colors: process.stdout.isTTY === true && !process.env.NO_COLOR }),
  };
}

/** After NestFactory.create: JSON logs go through pino from now on, starting with what was buffered. */
export function attachLogger(app: INestApplication, config: AppConfig): void {
  if (resolveLogFormat(config.get('LOG_FORMAT')) !== 'json') return;
  app.useLogger(app.get(PinoNestLogger));
  // Nest would flush only in listen(); apps that are only initialised (tests) must not keep buffering.
  app.flushLogs();
}
