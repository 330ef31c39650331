import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signing and verification, shared by the sender (the worker) and by receivers.
 *
 * Two schemes are sent on every delivery:
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp` (unix seconds) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`; several
 *   space-separated signatures while a rotated secret is still valid.
 * - The seed's: `X-Greenlight-Timestamp`, `X-Greenlight-Signature: v1=<hex HMAC-SHA256(key,
 *   "v1:{timestamp}:{body}")>` (several comma-separated during a rotation) and `X-Greenlight-Delivery-Id`.
 *
 * The key is the secret's bytes: for a `whsec_<base64>` secret the decoded base64, for any other
 * string (e.g. a NOTIFY_WEBHOOK_SECRET of the seed) its UTF-8 bytes.
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

const hmac = (secret: string, content: string | Buffer) => createHmac('sha256', secretKey(secret)).update(content).digest();

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
    headers['webhook-signature'] = secrets.map((s) => `v1,${hmac(s, `${deliveryId}.${ts}.${body}`).toString('base64')}`).join(' ');
    headers['x-greenlight-signature'] = secrets.map((s) => `v1=${hmac(s, `v1:${ts}:${body}`).toString('hex')}`).join(',');
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

/**
 * `verify_webhook_signature` of the seed, for receivers: checks the timestamp against the replay window
 * and the signature under either scheme (Standard Webhooks preferred). Pass the raw body exactly as
 * received and the headers with lower-case names (Node's `req.headers` already are).
 */
export function verifyWebhookSignature(input: {
  body: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  secret: string;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): VerifyResult {
  const header = (name: string) => {
    const v = input.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const body = typeof input.body === 'string' ? input.body : input.body.toString('utf8');
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason, scheme: null });

  const id = header('webhook-id');
  const standardTs = header('webhook-timestamp');
  const standardSig = header('webhook-signature');
  const greenTs = header('x-greenlight-timestamp');
  const greenSig = header('x-greenlight-signature');
  const useStandard = !!(id && standardTs && standardSig);
  if (!useStandard && !(greenTs && greenSig)) return fail('missing_headers');
  const ts = useStandard ? standardTs! : greenTs!;
  if (!/^\d{1,12}$/.test(ts)) return fail('invalid_timestamp');
  if (Math.abs(now - Number(ts)) > tolerance) return fail('timestamp_out_of_window');

  if (useStandard) {
    const expected = hmac(input.secret, `${id}.${ts}.${body}`);
    const ok = standardSig!.split(' ').some((part) => {
      const [version, sig] = part.split(',', 2);
      return version === 'v1' && !!sig && safeEqual(Buffer.from(sig, 'base64'), expected);
    });
    return ok ? { ok: true, reason: null, scheme: 'standard' } : fail('signature_mismatch');
  }
  const expected = hmac(input.secret, `v1:${ts}:${body}`);
  const ok = greenSig!.split(',').some((part) => {
    const m = /^v1=([0-9a-f]{64})$/.exec(part.trim());
    return !!m && safeEqual(Buffer.from(m[1], 'hex'), expected);
  });
  return ok ? { ok: true, reason: null, scheme: 'greenlight' } : fail('signature_mismatch');
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
