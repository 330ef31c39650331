import { failedTooLong, parseRetryAfter, retryDelayMs } from './delivery-rules';

describe('webhook delivery time rules', () => {
  const now = Date.parse('2030-01-01T12:00:00Z');

  it('retries on the schedule; a longer Retry-After wins up to its cap; past the schedule the delivery is dead', () => {
    const schedule = [5_000, 300_000];
    expect(retryDelayMs(schedule, 1, null, 3_600_000)).toBe(5_000);
    expect(retryDelayMs(schedule, 2, null, 3_600_000)).toBe(300_000);
    expect(retryDelayMs(schedule, 1, 60_000, 3_600_000)).toBe(60_000);
    expect(retryDelayMs(schedule, 1, 1_000, 3_600_000)).toBe(5_000); // shorter than the schedule: the schedule
    expect(retryDelayMs(schedule, 1, 7_200_000, 3_600_000)).toBe(3_600_000);
    expect(retryDelayMs(schedule, 3, 60_000, 3_600_000)).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date relative to the given now', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 7 ', now)).toBe(7_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter(new Date(now - 90_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it('an endpoint is disabled only once it has failed for longer than the window', () => {
    const since = new Date(now - 5_000);
    expect(failedTooLong(since, now, 5_000)).toBe(false);
    expect(failedTooLong(since, now + 1, 5_000)).toBe(true);
    expect(failedTooLong(since.toISOString(), now + 1, 5_000)).toBe(true);
  });
});
