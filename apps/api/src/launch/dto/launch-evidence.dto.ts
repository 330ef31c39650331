import { ApiProperty } from '@nestjs/swagger';

class BrokenLinkView {
  @ApiProperty({ type: 'integer' }) seq: number;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: ['seq_gap', 'content_hash_mismatch', 'prev_hash_mismatch', 'row_hash_mismatch'],
    description:
      'seq_gap: a record is missing or out of place; content_hash_mismatch: the record changed after it was written; prev_hash_mismatch: the link to the previous record changed; row_hash_mismatch: the stored record hash does not follow from its parts',
  })
  reason: string;
}

export class ChainVerdictView {
  @ApiProperty() valid: boolean;
  @ApiProperty({ type: 'integer', description: 'Records examined: all when valid, up to and including the first broken one otherwise' }) checked: number;
  @ApiProperty({ type: BrokenLinkView, nullable: true }) first_broken: BrokenLinkView | null;
}

export class EvidencePublicKeyView {
  @ApiProperty({ enum: ['Ed25519'] }) algorithm: string;
  @ApiProperty({ example: 'ed25519:3f2a9c0d1e4b5a67', description: 'ed25519: and the first 16 hex characters of the SHA-256 of the public key (SPKI DER)' })
  key_id: string;
  @ApiProperty({ description: 'SPKI PEM' }) public_key_pem: string;
}

class BundleSignatureView {
  @ApiProperty({ enum: ['Ed25519'] }) algorithm: string;
  @ApiProperty() key_id: string;
  @ApiProperty({ description: 'Base64 Ed25519 signature of the UTF-8 bytes of the canonical JSON of `bundle`' }) value: string;
}

export class EvidenceBundleView {
  @ApiProperty({
    type: Object,
    description:
      'format, org_id, agent_id, exported_at, key_id, hashing (the formulas), record_count, head {seq, row_hash}, verification (the server check at export), records [{id, seq, content, content_hash, prev_hash, row_hash}], referenced {runs, compares} (the runs and compares the records cite, as they stand now)',
  })
  bundle: Record<string, unknown>;
  @ApiProperty({ type: BundleSignatureView }) signature: BundleSignatureView;
}
