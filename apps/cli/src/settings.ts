import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './errors';

/** Where a setting came from, as `greenlight config` shows it. */
export type SettingSource = 'flag' | 'env' | 'config file' | 'default';

export interface Settings {
  apiUrl: string;
  apiUrlSource: SettingSource;
  apiKey: string | null;
  apiKeySource: SettingSource | null;
  configPath: string;
}

/** What `greenlight login` stores: the API's URL and a key, readable by the user only. */
export interface ConfigFile {
  api_url?: string;
  api_key?: string;
}

export const DEFAULT_API_URL = 'http://localhost:3000';

/** `$GREENLIGHT_CONFIG`, else `~/.config/greenlight/config.json` (or under `$XDG_CONFIG_HOME`). */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GREENLIGHT_CONFIG) return env.GREENLIGHT_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'greenlight', 'config.json');
}

export function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`the config file ${path} is not valid JSON (${(err as Error).message}): fix it, or remove it with \`greenlight logout\``);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`the config file ${path} must hold a JSON object`);
  const { api_url, api_key } = parsed as Record<string, unknown>;
  return { api_url: typeof api_url === 'string' ? api_url : undefined, api_key: typeof api_key === 'string' ? api_key : undefined };
}

/** Writes the config file with mode 0600 (in a 0700 directory): it holds an API key. */
export function writeConfigFile(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function removeConfigFile(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/** Flags win over the environment, the environment over the config file. */
export function resolveSettings(flags: { apiUrl?: string; apiKey?: string }, env: NodeJS.ProcessEnv = process.env): Settings {
  const path = configPath(env);
  const file = readConfigFile(path);
  const url = pick([flags.apiUrl, 'flag'], [env.GREENLIGHT_API_URL, 'env'], [file.api_url, 'config file']) ?? [DEFAULT_API_URL, 'default'];
  const key = pick([flags.apiKey, 'flag'], [env.GREENLIGHT_API_KEY, 'env'], [file.api_key, 'config file']);
  return { apiUrl: url[0].replace(/\/+$/, ''), apiUrlSource: url[1], apiKey: key?.[0] ?? null, apiKeySource: key?.[1] ?? null, configPath: path };
}

function pick(...candidates: [string | undefined, SettingSource][]): [string, SettingSource] | undefined {
  const found = candidates.find(([value]) => typeof value === 'string' && value.trim() !== '');
  return found ? [found[0]!.trim(), found[1]] : undefined;
}

/** `gl_abcd…wxyz`: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 7)}…${key.slice(-4)}`;
}
