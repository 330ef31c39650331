import { GreenlightClient } from '@greenlight/sdk';
import { UsageError } from './errors';
import { Output } from './output';
import { configPath, resolveSettings, Settings } from './settings';

export const CLI_VERSION = '0.1.0';

/** The options every command takes (before or after the command name). */
export interface GlobalOptions {
  apiUrl?: string;
  apiKey?: string;
  json?: boolean;
  timeout?: number;
  retries?: number;
  verbose?: boolean;
}

/** What a command works with: its settings, its output and (once asked for) an API client. */
export class CliContext {
  readonly out: Output;
  private clientInstance: GreenlightClient | null = null;
  private resolved: Settings | null = null;

  constructor(
    readonly options: GlobalOptions,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.out = new Output(Boolean(options.json), process.stdout, process.stderr, env);
  }

  /** Read on first use, so that a command that needs no settings (logout) works with a broken config file. */
  get settings(): Settings {
    this.resolved ??= resolveSettings({ apiUrl: this.options.apiUrl, apiKey: this.options.apiKey }, this.env);
    return this.resolved;
  }

  /** Where the config file is, without reading it. */
  get configPath(): string {
    return configPath(this.env);
  }

  /** The API client; a missing key is a usage error named after the three ways to give one. */
  client(apiKey = this.settings.apiKey): GreenlightClient {
    if (this.clientInstance && apiKey === this.settings.apiKey) return this.clientInstance;
    if (!apiKey) throw new UsageError('no API key: set GREENLIGHT_API_KEY, pass --api-key, or run `greenlight login`');
    const verbose = this.options.verbose;
    const client = new GreenlightClient({
      apiKey,
      baseUrl: this.settings.apiUrl,
      timeoutMs: this.options.timeout,
      maxRetries: this.options.retries,
      userAgent: `greenlight-cli/${CLI_VERSION}`,
      // The hooks never see the key or a body; --verbose shows each call and retry on stderr.
      hooks: verbose
        ? {
            onResponse: (r) => this.out.note(`${r.method} ${r.path} → ${r.status} in ${r.durationMs} ms${r.requestId ? ` (request id ${r.requestId})` : ''}`),
            onRetry: (r) => this.out.note(`retrying ${r.method} ${r.path} after ${r.reason} in ${r.delayMs} ms (attempt ${r.attempt + 1})`),
          }
        : {},
    });
    if (apiKey === this.settings.apiKey) this.clientInstance = client;
    return client;
  }

  /** The API's base URL, for links in summaries. */
  link(path: string): string {
    return `${this.settings.apiUrl}${path}`;
  }
}
