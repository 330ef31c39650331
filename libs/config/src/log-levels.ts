import type { LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest log levels up to and including LOG_LEVEL. */
export function logLevels(level: string): LogLevel[] {
  const idx = LEVELS.indexOf(level as LogLevel);
  return LEVELS.slice(0, idx < 0 ? 4 : idx + 1);
}
