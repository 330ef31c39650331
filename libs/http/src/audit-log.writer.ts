import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { AuditLogsService, AuditRow } from '@greenlight/platform';

const MAX_BUFFER = 20_000;
const MAX_BATCH = 500;

/**
 * Buffers audit rows and writes them in batches off the request path, so auditing neither slows
 * nor fails a request. A failed write is retried on the next flush; shutdown flushes what is left.
 */
@Injectable()
export class AuditLogWriter implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditLogWriter');
  private buffer: AuditRow[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private dropped = 0;

  constructor(
    private readonly logs: AuditLogsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.get('AUDIT_LOG_FLUSH_MS'));
    this.timer.unref();
  }

  /** Before shutdown, not during it: the database connection closes in the shutdown phase. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  push(row: AuditRow): void {
    if (this.buffer.length >= MAX_BUFFER) {
      this.buffer.shift();
      this.dropped++;
    }
    this.buffer.push(row);
    if (this.buffer.length >= MAX_BATCH) void this.flush();
  }

  /** Writes everything buffered so far; concurrent callers share one flush. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    this.flushing = this.writeAll().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, MAX_BATCH);
      try {
        await this.logs.insertMany(batch);
        this.buffer.splice(0, batch.length);
      } catch (err) {
        this.logger.warn(`audit write failed, ${this.buffer.length} rows kept for retry: ${(err as Error).message}`);
        return;
      }
    }
    if (this.dropped > 0) {
      this.logger.warn(`audit buffer overflowed: ${this.dropped} oldest rows dropped`);
      this.dropped = 0;
    }
  }
}
