import { AppConfigValues, loadConfig } from './env.schema';

/** Typed, validated configuration. Injected everywhere instead of reading process.env. */
export class AppConfig {
  constructor(readonly values: AppConfigValues) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
    return new AppConfig(loadConfig(env));
  }

  get<K extends keyof AppConfigValues>(key: K): AppConfigValues[K] {
    return this.values[key];
  }
}
