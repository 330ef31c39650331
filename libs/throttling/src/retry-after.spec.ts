import { retryAfterMs } from './retry-after';

const headers = (h: Record<string, string>) => new Headers(h);
const NOW = Date.parse('2026-01-05T10:00:00Z');

describe('retryAfterMs', () => {
  it('reads Retry-After as seconds, whole or fractional', () => {
    expect(retryAfterMs(headers({ 'retry-after': '2' }), NOW)).toBe(2000);
    expect(retryAfterMs(headers({ 'retry-after': ' 0.25 ' }), NOW)).toBe(250);
    expect(retryAfterMs(headers({ 'Retry-After': '120' }), NOW)).toBe(120_000);
  });

  it('reads Retry-After as an HTTP date, relative to now', () => {
    expect(retryAfterMs(headers({ 'retry-after': 'Mon, 05 Jan 2026 10:00:03 GMT' }), NOW)).toBe(3000);
    // a date already past asks for no wait
    expect(retryAfterMs(headers({ 'retry-after': 'Mon, 05 Jan 2026 09:59:00 GMT' }), NOW)).toBeNull();
  });

  it('prefers retry-after-ms, and falls back to Retry-After when it is unusable', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), NOW)).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after-ms': '12.3' }), NOW)).toBe(13);
    expect(retryAfterMs(headers({ 'retry-after-ms': 'soon', 'retry-after': '4' }), NOW)).toBe(4000);
    expect(retryAfterMs(headers({ 'retry-after-ms': '0', 'retry-after': '1' }), NOW)).toBe(1000);
  });

  it('answers null for no header, zero, negatives and text', () => {
    expect(retryAfterMs(headers({}), NOW)).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after': '0' }), NOW)).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after': '-5' }), NOW)).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after': 'later' }), NOW)).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after': '' }), NOW)).toBeNull();
  });
});
