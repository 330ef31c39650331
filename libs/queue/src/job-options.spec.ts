import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { keepJobs, queueJobDefaults } from './job-options';

describe('queue job options', () => {
  it("default to today's: one try for system jobs, the eval worker's tries and backoff for runs, a day / 10,000 completed and a week of failed jobs", () => {
    const config = AppConfig.fromEnv({});
    expect(queueJobDefaults(config, QueueName.System)).toEqual({
      attempts: 1,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 604_800 },
    });
    expect(queueJobDefaults(config, QueueName.EvalRuns)).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
    expect(queueJobDefaults(config, QueueName.Notifications)).toMatchObject({ attempts: 1, removeOnComplete: { age: 86_400, count: 10_000 } });
  });

  it('follow the settings of their own queue only', () => {
    const config = AppConfig.fromEnv({ QUEUE_NOTIFICATIONS_JOB_ATTEMPTS: '4', QUEUE_NOTIFICATIONS_KEEP_FAILED_SECONDS: '60', EVAL_WORKER_ATTEMPTS: '2' });
    expect(queueJobDefaults(config, QueueName.Notifications)).toMatchObject({ attempts: 4, removeOnFail: { age: 60 } });
    expect(queueJobDefaults(config, QueueName.EvalRuns).attempts).toBe(2);
    expect(queueJobDefaults(config, QueueName.System).attempts).toBe(1);
  });

  it('0 lifts a retention limit; no limit at all keeps finished jobs', () => {
    expect(keepJobs(0, 50)).toEqual({ count: 50 });
    expect(keepJobs(30, 0)).toEqual({ age: 30 });
    expect(keepJobs(0, 0)).toBe(false);
  });
});
