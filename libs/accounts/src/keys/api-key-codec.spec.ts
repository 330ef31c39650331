import { API_KEY_PATTERN, generateApiKey, hashApiKey } from './api-key-codec';

describe('api key codec', () => {
  it('generates keys of the documented shape with a matching prefix and hash', () => {
    const key = generateApiKey();
    expect(key.plaintext).toMatch(API_KEY_PATTERN);
    expect(key.plaintext.startsWith(`${key.prefix}_`)).toBe(true);
    expect(key.hash).toBe(hashApiKey(key.plaintext));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never repeats a key', () => {
    const seen = new Set(Array.from({ length: 500 }, () => generateApiKey().plaintext));
    expect(seen.size).toBe(500);
  });
});
