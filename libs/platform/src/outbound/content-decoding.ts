import * as zlib from 'node:zlib';
import { errorCode } from './outbound-failures';
import { OutboundError } from './outbound.types';

const DECODED_ENCODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** A Content-Encoding `decodeBody` undoes. */
export function isDecodable(encoding: string): boolean {
  return DECODED_ENCODINGS.has(encoding);
}

/**
 * The decoded body of a gzip, deflate or br response, held to the same size cap as the encoded one,
 * so a small compressed answer cannot unpack into an unbounded buffer.
 */
export function decodeBody(payload: Buffer, encoding: string, maxBytes: number, host: string): Buffer {
  const opts = { maxOutputLength: maxBytes };
  try {
    if (encoding === 'br') return zlib.brotliDecompressSync(payload, opts);
    if (encoding === 'deflate') {
      // Servers send both zlib-wrapped and raw deflate under this name.
      try {
        return zlib.inflateSync(payload, opts);
      } catch (err) {
        if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') throw err;
        return zlib.inflateRawSync(payload, opts);
      }
    }
    return zlib.gunzipSync(payload, opts);
  } catch (err) {
    if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new OutboundError('too_large', `decoded response from ${host} is larger than ${maxBytes} bytes`, { host, max_response_bytes: maxBytes });
    }
    throw new OutboundError('network', `response from ${host} could not be decoded (${encoding})`, { host, code: errorCode(err) });
  }
}
