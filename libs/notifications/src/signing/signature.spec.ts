import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, secretKey, signWebhook, verifyWebhookSignature } from './signature';

describe('webhook signatures', () => {
  const body = JSON.stringify({ delivery_id: 'd1', type: 'eval_run.completed', data: { run_id: 'r1', note: 'ünïcode' } });
  const now = Math.floor(Date.now() / 1000);

  it('generates Standard Webhooks secrets: whsec_ + base64 of 32 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('is verified by the standardwebhooks package (an independent implementation)', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook('msg_1', body, [secret], now);
    expect(new Webhook(secret).verify(body, headers as unknown as Record<string, string>)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers as unknown as Record<string, string>)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('r1', 'r2'), headers as unknown as Record<string, string>)).toThrow();
  });

  it("verifies what the standardwebhooks package signs, under the package's own reading of a whsec_ secret", () => {
    const secret = generateWebhookSecret();
    const signature = new Webhook(secret).sign('msg_pkg', new Date(now * 1000), body);
    const headers = { 'webhook-id': 'msg_pkg', 'webhook-timestamp': String(now), 'webhook-signature': signature };
    expect(verifyWebhookSignature({ body, headers, secret, nowSeconds: now })).toEqual({ ok: true, reason: null, scheme: 'standard' });
    expect(signWebhook('msg_pkg', body, [secret], now)['webhook-signature']).toBe(signature);
    expect(verifyWebhookSignature({ body, headers, secret: generateWebhookSecret(), nowSeconds: now })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('reproduces the published Standard Webhooks known answer', () => {
    // The vector of the reference JavaScript library's "sign function works" test
    // (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts); its secret is 24 bytes.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const payload = '{"test": 2432232314}';
    const headers = signWebhook('msg_p5jXN8AQM9LWM0D4loKWxJek', payload, [secret], 1614265330);
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(verifyWebhookSignature({ body: payload, headers: { ...headers }, secret, nowSeconds: 1614265330 + 299 })).toMatchObject({
      ok: true,
      scheme: 'standard',
    });
  });

  it('a plain (non-whsec_) secret signs with its UTF-8 bytes, as the package does for a raw key', () => {
    const secret = 'plain sécret';
    const headers = signWebhook('msg_raw', body, [secret], now);
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`msg_raw.${now}.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
    const raw = new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
    expect(raw.sign('msg_raw', new Date(now * 1000), body)).toBe(headers['webhook-signature']);
    expect(verifyWebhookSignature({ body, headers: { ...headers }, secret: 'whsec_' }).reason).toBe('signature_mismatch');
  });

  it('during a rotation both signatures are sent and either secret verifies', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = signWebhook('msg_2', body, [current, previous], now);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(headers['x-greenlight-signature']!.split(',')).toHaveLength(2);
    for (const s of [current, previous]) {
      expect(() => new Webhook(s).verify(body, headers as unknown as Record<string, string>)).not.toThrow();
      expect(verifyWebhookSignature({ body, headers: { ...headers }, secret: s, nowSeconds: now })).toEqual({ ok: true, reason: null, scheme: 'standard' });
    }
  });

  it("the seed's scheme: X-Greenlight-Signature v1=<hex HMAC of v1:{timestamp}:{body}>", () => {
    const secret = 'plain-seed-secret';
    const headers = signWebhook('d-3', body, [secret], now);
    const expected = createHmac('sha256', Buffer.from(secret)).update(`v1:${now}:${body}`).digest('hex');
    expect(headers['x-greenlight-signature']).toBe(`v1=${expected}`);
    expect(headers['x-greenlight-delivery-id']).toBe('d-3');
    const seedOnly = { 'x-greenlight-timestamp': headers['x-greenlight-timestamp'], 'x-greenlight-signature': headers['x-greenlight-signature'] };
    expect(verifyWebhookSignature({ body: Buffer.from(body), headers: seedOnly, secret, nowSeconds: now })).toEqual({
      ok: true,
      reason: null,
      scheme: 'greenlight',
    });
  });

  it('refuses a replay outside the window, a bad timestamp, a tampered body, missing headers', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook('msg_4', body, [secret], now - 600);
    expect(verifyWebhookSignature({ body, headers: { ...headers }, secret, nowSeconds: now })).toMatchObject({ ok: false, reason: 'timestamp_out_of_window' });
    expect(verifyWebhookSignature({ body, headers: { ...headers }, secret, nowSeconds: now, toleranceSeconds: 900 }).ok).toBe(true);
    const fresh = signWebhook('msg_5', body, [secret], now);
    expect(verifyWebhookSignature({ body: body + ' ', headers: { ...fresh }, secret, nowSeconds: now })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(verifyWebhookSignature({ body, headers: { ...fresh, 'webhook-timestamp': 'soon' }, secret, nowSeconds: now })).toMatchObject({
      ok: false,
      reason: 'invalid_timestamp',
    });
    expect(verifyWebhookSignature({ body, headers: {}, secret, nowSeconds: now })).toMatchObject({ ok: false, reason: 'missing_headers' });
    expect(verifyWebhookSignature({ body, headers: { ...fresh }, secret: generateWebhookSecret(), nowSeconds: now })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('without a secret the delivery carries ids and timestamps but no signature', () => {
    const headers = signWebhook('msg_6', body, [], now);
    expect(headers['webhook-signature']).toBeUndefined();
    expect(headers['x-greenlight-signature']).toBeUndefined();
    expect(headers['webhook-id']).toBe('msg_6');
  });
});
