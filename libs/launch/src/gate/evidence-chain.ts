import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * The hash chain of an agent's launch records. Each record's content is hashed on its own; the record
 * hash then binds that content hash to the previous record's hash, so changing, removing or reordering
 * any record breaks every later link:
 *
 *   content_hash = hex(SHA-256(UTF-8(canonicalJson(content))))
 *   row_hash     = hex(SHA-256(ASCII(prev_hash + content_hash)))   (the two 64-character hex texts joined)
 *   prev_hash    = the previous record's row_hash; GENESIS_HASH (64 zeros) for seq 1
 *
 * Hex is lowercase. `content` carries the record's own seq, so a record cannot move in the chain.
 */
export const GENESIS_HASH = '0'.repeat(64);

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function contentHash(content: unknown): string {
  return sha256Hex(canonicalJson(content));
}

export function rowHash(prevHash: string, contentHashHex: string): string {
  return sha256Hex(prevHash + contentHashHex);
}

/** A stored link of the chain: the record's content and the three hashes stored with it. */
export interface ChainLink {
  id: string;
  seq: number;
  content: unknown;
  content_hash: string;
  prev_hash: string;
  row_hash: string;
}

export type BrokenReason = 'seq_gap' | 'content_hash_mismatch' | 'prev_hash_mismatch' | 'row_hash_mismatch';

export interface ChainVerdict {
  valid: boolean;
  /** Records examined: all of them when the chain is whole, up to and including the first broken one otherwise. */
  checked: number;
  first_broken: { seq: number; id: string; reason: BrokenReason } | null;
}

/**
 * Recomputes a chain given in seq order. The first record whose seq is not the next one, whose content
 * does not hash to its stored content hash, whose previous hash is not the previous record's hash, or
 * whose record hash does not follow from the two, is the first broken link.
 */
export function verifyChain(links: Iterable<ChainLink>): ChainVerdict {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let checked = 0;
  for (const link of links) {
    checked += 1;
    const broken = (reason: BrokenReason): ChainVerdict => ({ valid: false, checked, first_broken: { seq: link.seq, id: link.id, reason } });
    if (link.seq !== expectedSeq) return broken('seq_gap');
    const content = contentHash(link.content);
    if (content !== link.content_hash) return broken('content_hash_mismatch');
    if (link.prev_hash !== prev) return broken('prev_hash_mismatch');
    if (rowHash(link.prev_hash, link.content_hash) !== link.row_hash) return broken('row_hash_mismatch');
    prev = link.row_hash;
    expectedSeq += 1;
  }
  return { valid: true, checked, first_broken: null };
}
