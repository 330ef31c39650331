import { ConfigError, loadConfig, redactUrl } from './env.schema';

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const cfg = loadConfig({});
    expect(cfg.PORT).toBe(3000);
    expect(cfg.WORKER_PORT).toBe(3001);
    expect(cfg.API_RATE_LIMIT_PER_MINUTE).toBe(120);
    expect(cfg.API_KEY_DEFAULT_TTL_DAYS).toBe(90);
    expect(cfg.DATABASE_URL).toMatch(/^postgres:\/\//);
  });

  it('parses given values', () => {
    const cfg = loadConfig({ PORT: '8080', SWAGGER_ENABLED: 'false', REDIS_URL: 'redis://cache:6380' });
    expect(cfg.PORT).toBe(8080);
    expect(cfg.SWAGGER_ENABLED).toBe(false);
    expect(cfg.REDIS_URL).toBe('redis://cache:6380');
  });

  it('names every invalid variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', API_RATE_LIMIT_PER_MINUTE: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const msg = (error as Error).message;
    expect(msg).toContain('PORT: must be an integer between 1 and 65535 (got "abc")');
    expect(msg).toContain('DATABASE_URL: must use postgres or postgresql');
    expect(msg).toContain('API_RATE_LIMIT_PER_MINUTE');
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('never prints a database password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@h/db' })).toThrow(/\*\*\*/);
    expect(redactUrl('postgres://u:secret@h/db')).not.toContain('secret');
  });
});
