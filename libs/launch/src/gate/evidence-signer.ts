import { createHash, createPrivateKey, createPublicKey, KeyObject, sign } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';

export interface EvidencePublicKey {
  algorithm: 'Ed25519';
  key_id: string;
  public_key_pem: string;
}

interface Keys {
  privateKey: KeyObject;
  published: EvidencePublicKey;
}

/**
 * Reads an Ed25519 private key from PKCS8 PEM (literal `\n` accepted for newlines) or base64 PKCS8
 * DER. Errors never quote the key.
 */
export function parseSigningKey(raw: string): Keys {
  const text = raw.trim();
  let privateKey: KeyObject;
  try {
    privateKey = text.includes('-----BEGIN')
      ? createPrivateKey(text.replace(/\\n/g, '\n'))
      : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('LAUNCH_EVIDENCE_SIGNING_KEY: is not a readable private key (PKCS8 PEM, or base64 of PKCS8 DER)');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`LAUNCH_EVIDENCE_SIGNING_KEY: must be an Ed25519 key (got ${privateKey.asymmetricKeyType ?? 'a non-asymmetric key'})`);
  }
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKey,
    published: {
      algorithm: 'Ed25519',
      // the first 16 hex characters of the SHA-256 of the public key (SPKI DER): names the key without revealing anything
      key_id: `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`,
      public_key_pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    },
  };
}

/**
 * Signs exported launch evidence with the operator's Ed25519 key and publishes its public key. The key
 * is checked when the app starts (a bad key stops it with a message naming the setting); without one,
 * signing and the public key answer 503 SERVICE_UNAVAILABLE.
 */
@Injectable()
export class EvidenceSigner implements OnModuleInit {
  private keys: Keys | null = null;

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    const raw = this.config.get('LAUNCH_EVIDENCE_SIGNING_KEY');
    this.keys = raw ? parseSigningKey(raw) : null;
  }

  publicKey(): EvidencePublicKey {
    return this.require().published;
  }

  /** Base64 Ed25519 signature of the UTF-8 bytes of `text`, with the id of the key that made it. */
  sign(text: string): { signature: string; key_id: string } {
    const keys = this.require();
    return { signature: sign(null, Buffer.from(text, 'utf8'), keys.privateKey).toString('base64'), key_id: keys.published.key_id };
  }

  private require(): Keys {
    if (!this.keys) {
      throw new DomainError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'launch evidence signing is not configured: set LAUNCH_EVIDENCE_SIGNING_KEY to an Ed25519 private key (PKCS8 PEM or base64 DER)',
        { setting: 'LAUNCH_EVIDENCE_SIGNING_KEY' },
      );
    }
    return this.keys;
  }
}
