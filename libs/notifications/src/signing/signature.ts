import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Webhook signing and verification, shared by the sender (the worker) and by receivers.
 *
 * Two schemes are sent on every delivery:
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp` (unix seconds) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`; several
 *   space-separated signatures while a rotated secret is still valid. Computed by the
 *   `standardwebhooks` package, so what we send is exactly what every Standard Webhooks library checks.
 * - The seed's: `X-Greenlight-Timestamp`, `X-Greenlight-Signature: v1=<hex HMAC-SHA256(key,
 *   "v1:{timestamp}:{body}")>` (several comma-separated during a rotation) and `X-Greenlight-Delivery-Id`.
 *
 * The key is the secret's bytes: for a `whsec_<base64>` secret the decoded base64 (the Standard
 * Webhooks form, which the package reads the same way), for any other string (e.g. a
 * NOTIFY_WEBHOOK_SECRET of the seed) its UTF-8 bytes.
 */

export const SECRET_PREFIX = 'whsec_';
/** Receivers should refuse timestamps further than this from their clock (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new secret in Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function secretKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The Standard Webhooks signer of a secret; its key is `secretKey`, so plain secrets keep their UTF-8 bytes. */
function standardSigner(secret: string): Webhook {
  return new Webhook(secretKey(secret), { format: 'raw' });
}

/** `v1,<base64>` of one secret, as the package computes it. */
function standardSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  return standardSigner(secret).sign(id, new Date(timestampSeconds * 1000), body);
}

/** `<hex>` of the seed's scheme: HMAC-SHA256 of "v1:{timestamp}:{body}". */
function greenlightSignature(secret: string, timestamp: string, body: string): Buffer {
  return createHmac('sha256', secretKey(secret)).update(`v1:${timestamp}:${body}`).digest();
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature'?: string;
  'x-greenlight-delivery-id': string;
  'x-greenlight-timestamp': string;
  'x-greenlight-signature'?: string;
}

/** The headers of one delivery attempt; `secrets` holds the current secret first, then a rotated one. */
export function signWebhook(deliveryId: string, body: string, secrets: string[], timestampSeconds = Math.floor(Date.now() / 1000)): SignedHeaders {
  const ts = String(timestampSeconds);
  const headers: SignedHeaders = {
    'webhook-id': deliveryId,
    'webhook-timestamp': ts,
    'x-greenlight-delivery-id': deliveryId,
    'x-greenlight-timestamp': ts,
  };
  if (secrets.length > 0) {
    headers['webhook-signature'] = secrets.map((s) => standardSignature(s, deliveryId, timestampSeconds, body)).join(' ');
    headers['x-greenlight-signature'] = secrets.map((s) => `v1=${greenlightSignature(s, ts, body).toString('hex')}`).join(',');
  }
  return headers;
}

export type VerifyFailure = 'missing_headers' | 'invalid_timestamp' | 'timestamp_out_of_window' | 'signature_mismatch';

export interface VerifyResult {
  ok: boolean;
  reason: VerifyFailure | null;
  /** Which scheme matched: `standard` (webhook-signature) or `greenlight` (X-Greenlight-Signature). */
  scheme: 'standard' | 'greenlight' | null;
}

type Headers = Record<string, string | string[] | undefined>;

const failure = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason, scheme: null });

/**
 * `verify_webhook_signature` of the seed, for receivers: checks the timestamp against the replay window
 * and the signature under either scheme (Standard Webhooks preferred). Pass the raw body exactly as
 * received and the headers with lower-case names (Node's `req.headers` already are).
 *
 * The replay window is ours (a receiver may pass its own clock and tolerance, and learns which check
 * failed); the Standard Webhooks signature itself is computed by the package.
 */
export function verifyWebhookSignature(input: {
  body: string | Buffer;
  headers: Headers;
  secret: string;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): VerifyResult {
  const header = (name: string) => {
    const v = input.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const body = typeof input.body === 'string' ? input.body : input.body.toString('utf8');
  const id = header('webhook-id');
  const standardTs = header('webhook-timestamp');
  const standardSig = header('webhook-signature');
  const greenTs = header('x-greenlight-timestamp');
  const greenSig = header('x-greenlight-signature');
  const useStandard = !!(id && standardTs && standardSig);
  if (!useStandard && !(greenTs && greenSig)) return failure('missing_headers');

  const ts = useStandard ? standardTs! : greenTs!;
  const windowFailure = checkWindow(ts, input.nowSeconds ?? Math.floor(Date.now() / 1000), input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
  if (windowFailure) return failure(windowFailure);

  if (useStandard) {
    return standardMatches(input.secret, id!, Number(ts), body, standardSig!) ? { ok: true, reason: null, scheme: 'standard' } : failure('signature_mismatch');
  }
  return greenlightMatches(input.secret, ts, body, greenSig!) ? { ok: true, reason: null, scheme: 'greenlight' } : failure('signature_mismatch');
}

/** The replay window: a timestamp of unix seconds within `tolerance` of `now`. */
function checkWindow(ts: string, nowSeconds: number, toleranceSeconds: number): VerifyFailure | null {
  if (!/^\d{1,12}$/.test(ts)) return 'invalid_timestamp';
  return Math.abs(nowSeconds - Number(ts)) > toleranceSeconds ? 'timestamp_out_of_window' : null;
}

/** Does any `v1,<base64>` of the space-separated header equal the package's signature under `secret`? */
function standardMatches(secret: string, id: string, timestampSeconds: number, body: string, header: string): boolean {
  let expected: string;
  try {
    expected = standardSignature(secret, id, timestampSeconds, body);
  } catch {
    return false; // a secret without key bytes signs nothing
  }
  return header.split(' ').some((part) => part.startsWith('v1,') && safeEqual(Buffer.from(part), Buffer.from(expected)));
}

/** Does any `v1=<hex>` of the comma-separated header equal the seed's signature under `secret`? */
function greenlightMatches(secret: string, ts: string, body: string, header: string): boolean {
  const expected = greenlightSignature(secret, ts, body);
  return header.split(',').some((part) => {
    const m = /^v1=([0-9a-f]{64})$/.exec(part.trim());
    return !!m && safeEqual(Buffer.from(m[1], 'hex'), expected);
  });
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
