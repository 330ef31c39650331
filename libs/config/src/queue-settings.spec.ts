import { ConfigError, loadConfig } from './env.schema';

describe('per-queue job settings', () => {
  it('default to the options every queue had before they were settings', () => {
    const cfg = loadConfig({});
    for (const q of ['SYSTEM', 'EVAL_RUNS', 'NOTIFICATIONS'] as const) {
      expect(cfg[`QUEUE_${q}_KEEP_COMPLETED_SECONDS`]).toBe(86_400);
      expect(cfg[`QUEUE_${q}_KEEP_COMPLETED_COUNT`]).toBe(10_000);
      expect(cfg[`QUEUE_${q}_KEEP_FAILED_SECONDS`]).toBe(7 * 86_400);
    }
    expect(cfg.QUEUE_SYSTEM_JOB_ATTEMPTS).toBe(1);
    expect(cfg.QUEUE_NOTIFICATIONS_JOB_ATTEMPTS).toBe(1);
    expect(cfg.EVAL_WORKER_ATTEMPTS).toBe(5);
    expect(cfg.EVAL_WORKER_BACKOFF_MS).toBe(1000);
  });

  it('take 0 as "no limit" for retention and refuse zero tries', () => {
    const cfg = loadConfig({ QUEUE_SYSTEM_KEEP_COMPLETED_SECONDS: '0', QUEUE_NOTIFICATIONS_KEEP_COMPLETED_COUNT: '0' });
    expect(cfg.QUEUE_SYSTEM_KEEP_COMPLETED_SECONDS).toBe(0);
    expect(cfg.QUEUE_NOTIFICATIONS_KEEP_COMPLETED_COUNT).toBe(0);
    let error: unknown;
    try {
      loadConfig({ QUEUE_SYSTEM_JOB_ATTEMPTS: '0', QUEUE_EVAL_RUNS_KEEP_FAILED_SECONDS: 'week' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'QUEUE_SYSTEM_JOB_ATTEMPTS: must be an integer between 1 and 50 (got "0")',
      'QUEUE_EVAL_RUNS_KEEP_FAILED_SECONDS: must be an integer between 0 and 315360000 (got "week")',
    ]);
  });
});
