#!/usr/bin/env node
// Verifies an exported Greenlight launch evidence bundle offline, with Node's crypto alone:
//   1. the Ed25519 signature over the canonical JSON of the bundle, with the published public key;
//   2. the hash chain of the records (content hashes, links to the previous record, record hashes).
//
// Usage: node verify-launch-evidence.mjs <export.json> <public-key.pem>
//   export.json: the answer of GET /api/v1/agents/{agent_id}/launch-evidence/export (the whole
//   envelope, or its `data`); public-key.pem: `public_key_pem` of GET /api/v1/launch-evidence/public-key.
// Prints a JSON verdict; exits 0 when both checks pass, 1 when one fails, 2 on bad input.
/* global Buffer, console, process */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** RFC 8785 canonical JSON: sorted keys (UTF-16 order), no whitespace, ECMAScript numbers. */
function canonical(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',')}]`;
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('not a finite number');
      return JSON.stringify(value);
    case 'object':
      return `{${Object.keys(value)
        .filter((k) => value[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
        .join(',')}}`;
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const GENESIS = '0'.repeat(64);

/** The first broken link of the records, or null when the chain is whole. */
function checkChain(records) {
  let prev = GENESIS;
  let checked = 0;
  for (const [i, r] of records.entries()) {
    checked += 1;
    const broken = (reason) => ({ valid: false, checked, first_broken: { seq: r.seq, id: r.id, reason } });
    if (r.seq !== i + 1) return broken('seq_gap');
    if (sha256(canonical(r.content)) !== r.content_hash) return broken('content_hash_mismatch');
    if (r.prev_hash !== prev) return broken('prev_hash_mismatch');
    if (sha256(r.prev_hash + r.content_hash) !== r.row_hash) return broken('row_hash_mismatch');
    prev = r.row_hash;
  }
  return { valid: true, checked, first_broken: null };
}

function main([exportPath, keyPath]) {
  if (!exportPath || !keyPath) {
    console.error('usage: node verify-launch-evidence.mjs <export.json> <public-key.pem>');
    return 2;
  }
  const parsed = JSON.parse(readFileSync(exportPath, 'utf8'));
  const { bundle, signature } = parsed.data ?? parsed;
  const publicKey = createPublicKey(readFileSync(keyPath, 'utf8'));
  const keyId = `ed25519:${sha256Bytes(publicKey.export({ format: 'der', type: 'spki' })).slice(0, 16)}`;
  const signatureValid =
    signature?.algorithm === 'Ed25519' &&
    signature.key_id === keyId &&
    verify(null, Buffer.from(canonical(bundle), 'utf8'), publicKey, Buffer.from(signature.value, 'base64'));
  const records = bundle.records ?? [];
  const chain = checkChain(records);
  const last = records.at(-1);
  const headValid = bundle.record_count === records.length && (last ? bundle.head?.row_hash === last.row_hash : bundle.head === null);
  const ok = signatureValid && chain.valid && headValid;
  console.log(JSON.stringify({ valid: ok, key_id: keyId, signature_valid: signatureValid, head_valid: headValid, chain }));
  return ok ? 0 : 1;
}

function sha256Bytes(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`cannot verify: ${err.message}`);
  process.exitCode = 2;
}
