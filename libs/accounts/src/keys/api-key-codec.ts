import { createHash, randomBytes } from 'node:crypto';

/** Plaintext API keys look like `gl_3f9a1c2e_<43 url-safe chars>`; the first part is the visible prefix. */
export const API_KEY_PATTERN = /^gl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

export interface GeneratedKey {
  plaintext: string;
  prefix: string;
  hash: string;
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

/** A new random key with 256 bits of secret. */
export function generateApiKey(): GeneratedKey {
  const prefix = `gl_${randomBytes(4).toString('hex')}`;
  const plaintext = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { plaintext, prefix, hash: hashApiKey(plaintext) };
}
