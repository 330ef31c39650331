import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import type { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { EvidenceSigner, parseSigningKey } from './evidence-signer';

const ed = generateKeyPairSync('ed25519');
const pem = ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const der = (ed.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64');
const signer = (key: string) => {
  const s = new EvidenceSigner({ get: () => key } as unknown as AppConfig);
  s.onModuleInit();
  return s;
};

describe('evidence signing key', () => {
  it('reads PKCS8 PEM, PEM with literal \\n, and base64 DER alike; the key id is the SPKI hash', () => {
    const spki = ed.publicKey.export({ format: 'der', type: 'spki' });
    const keyId = `ed25519:${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`;
    for (const raw of [pem, pem.replace(/\n/g, '\\n'), der]) {
      const k = parseSigningKey(raw);
      expect(k.published).toEqual({ algorithm: 'Ed25519', key_id: keyId, public_key_pem: ed.publicKey.export({ format: 'pem', type: 'spki' }).toString() });
    }
  });

  it('signs the UTF-8 bytes of a text so that the public key verifies them', () => {
    const s = signer(pem);
    const { signature, key_id } = s.sign('{"a":"é"}');
    expect(key_id).toBe(s.publicKey().key_id);
    expect(verify(null, Buffer.from('{"a":"é"}', 'utf8'), ed.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(verify(null, Buffer.from('{"a":"e"}', 'utf8'), ed.publicKey, Buffer.from(signature, 'base64'))).toBe(false);
  });

  it('refuses other keys with a message that never quotes the key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parseSigningKey(rsa)).toThrow('LAUNCH_EVIDENCE_SIGNING_KEY: must be an Ed25519 key (got rsa)');
    for (const bad of ['not a key at all', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----']) {
      let message = '';
      try {
        parseSigningKey(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^LAUNCH_EVIDENCE_SIGNING_KEY: is not a readable private key/);
      expect(message).not.toContain(bad);
    }
    expect(() => signer('garbage')).toThrow(/LAUNCH_EVIDENCE_SIGNING_KEY/);
  });

  it('without a key, signing and the public key are unavailable', () => {
    const s = signer('');
    expect(() => s.publicKey()).toThrow(expect.objectContaining({ code: ErrorCode.SERVICE_UNAVAILABLE }));
    expect(() => s.sign('x')).toThrow(expect.objectContaining({ code: ErrorCode.SERVICE_UNAVAILABLE }));
  });
});
