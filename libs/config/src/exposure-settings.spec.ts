import { loadConfig } from './env.schema';

describe('auth throttle, CORS and metrics settings', () => {
  it('defaults: 30 failed authentications a minute, no CORS origin, open /metrics', () => {
    const cfg = loadConfig({});
    expect(cfg.AUTH_FAILURE_LIMIT_PER_MINUTE).toBe(30);
    expect(cfg.CORS_ORIGINS).toEqual([]);
    expect(cfg.METRICS_TOKEN).toBe('');
  });

  it('AUTH_FAILURE_LIMIT_PER_MINUTE is an integer from 0 (off) up', () => {
    expect(loadConfig({ AUTH_FAILURE_LIMIT_PER_MINUTE: '0' }).AUTH_FAILURE_LIMIT_PER_MINUTE).toBe(0);
    expect(() => loadConfig({ AUTH_FAILURE_LIMIT_PER_MINUTE: '-1' })).toThrow(/AUTH_FAILURE_LIMIT_PER_MINUTE: must be an integer/);
    expect(() => loadConfig({ AUTH_FAILURE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/AUTH_FAILURE_LIMIT_PER_MINUTE/);
  });

  it('CORS_ORIGINS takes origins (normalised) or *, and refuses paths and other schemes', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example.com, http://localhost:5173/' }).CORS_ORIGINS).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
    for (const bad of ['https://a.example.com/app', 'ftp://a.example.com', 'a.example.com', 'https://u:p@a.example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS: must be \* or a comma-separated list of origins/);
    }
  });

  it('METRICS_TOKEN needs 16 characters without spaces, and a bad one is never printed', () => {
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token' }).METRICS_TOKEN).toBe('a-long-enough-token');
    for (const bad of ['short', 'has a space in the middle']) {
      let message = '';
      try {
        loadConfig({ METRICS_TOKEN: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('METRICS_TOKEN: must be empty or 16-512 characters without spaces');
      expect(message).not.toContain(bad);
    }
  });
});
