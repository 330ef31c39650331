import { DEFAULT_BACKOFF, fullJitterDelay, parseRetryAfter } from '../src/backoff';

describe('fullJitterDelay', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };

  it('stays within [0, min(max, base * 2^(retry-1))) for every retry', () => {
    for (let retry = 1; retry <= 12; retry++) {
      const ceiling = Math.min(1000, 100 * 2 ** (retry - 1));
      for (let i = 0; i < 200; i++) {
        const d = fullJitterDelay(retry, policy);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
      // the extremes of the random source map to the ends of the window
      expect(fullJitterDelay(retry, policy, () => 0)).toBe(0);
      expect(fullJitterDelay(retry, policy, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
    }
  });

  it('doubles the window per retry until the cap', () => {
    const top = (retry: number) => fullJitterDelay(retry, policy, () => 0.5);
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('spreads retries over the window (full jitter, not equal jitter)', () => {
    const samples = Array.from({ length: 2000 }, () => fullJitterDelay(4, policy));
    // window is [0, 800): a quarter of the samples should fall in each quarter, roughly
    const lowQuarter = samples.filter((d) => d < 200).length / samples.length;
    const highQuarter = samples.filter((d) => d >= 600).length / samples.length;
    expect(lowQuarter).toBeGreaterThan(0.18);
    expect(highQuarter).toBeGreaterThan(0.18);
  });

  it('has sane defaults', () => {
    expect(DEFAULT_BACKOFF.baseDelayMs).toBeGreaterThan(0);
    expect(DEFAULT_BACKOFF.maxDelayMs).toBeGreaterThan(DEFAULT_BACKOFF.baseDelayMs);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP date relative to now; a past date means now', () => {
    expect(parseRetryAfter('Thu, 03 Dec 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 1500).toUTCString(), now)).toBe(1000); // HTTP dates have whole seconds
    expect(parseRetryAfter('Thu, 03 Dec 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores what is neither', () => {
    for (const v of [null, undefined, '', 'soon', '-5', '1.5', 'NaN']) expect(parseRetryAfter(v, now)).toBeNull();
  });
});
