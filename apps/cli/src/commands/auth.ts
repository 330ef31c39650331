import { Command } from 'commander';
import { action, RunState } from '../command';
import { ExitCode, UsageError } from '../errors';
import { maskKey, removeConfigFile, writeConfigFile } from '../settings';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `login`, `logout` and `config`: where the CLI finds the API and its key. */
export function registerAuth(program: Command, state: RunState): void {
  program
    .command('login')
    .description('Check an API key against the API and save it, with the API URL, in the config file (mode 0600)')
    .option('--api-key-stdin', 'read the key from standard input, which keeps it out of the shell history')
    .action(
      action<{ apiKeyStdin?: boolean }>(state, async (ctx, opts) => {
        const key = opts.apiKeyStdin ? (await readStdin()).trim() : ctx.settings.apiKey;
        if (!key) throw new UsageError('give the key with --api-key-stdin, --api-key or GREENLIGHT_API_KEY');
        const page = await ctx.client(key).agents.list({ limit: 1 });
        writeConfigFile(ctx.settings.configPath, { api_url: ctx.settings.apiUrl, api_key: key });
        const result = { api_url: ctx.settings.apiUrl, api_key: maskKey(key), config_path: ctx.settings.configPath, visible_agents: page.total };
        ctx.out.result(
          result,
          () => `Logged in to ${result.api_url} with key ${result.api_key} (${page.total} agents visible); saved in ${result.config_path}`,
        );
        return ExitCode.ok;
      }),
    );

  program
    .command('logout')
    .description('Remove the config file written by login')
    .action(
      action(state, async (ctx) => {
        const path = ctx.configPath;
        const removed = removeConfigFile(path);
        ctx.out.result({ config_path: path, removed }, () => (removed ? `Removed ${path}` : `No config file at ${path}`));
        return ExitCode.ok;
      }),
    );

  program
    .command('config')
    .description('Show the API URL and key the CLI would use, and where each comes from')
    .action(
      action(state, async (ctx) => {
        const s = ctx.settings;
        const result = {
          api_url: s.apiUrl,
          api_url_source: s.apiUrlSource,
          api_key: s.apiKey ? maskKey(s.apiKey) : null,
          api_key_source: s.apiKeySource,
          config_path: s.configPath,
        };
        ctx.out.result(result, () => [
          `API URL     ${result.api_url} (${result.api_url_source})`,
          `API key     ${result.api_key ?? 'none'}${result.api_key_source ? ` (${result.api_key_source})` : ''}`,
          `config file ${result.config_path}`,
        ]);
        return ExitCode.ok;
      }),
    );
}
