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

class BundleRecordView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'integer' }) seq: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What content_hash covers: format, id, org_id, agent_id, seq, kind, decision, certification_status, gate_status, reason, evidence, created_by_key_id, request_id, created_at',
  })
  content: Record<string, unknown>;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) content_hash: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) prev_hash: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) row_hash: string;
}

class BundleHeadView {
  @ApiProperty({ type: 'integer' }) seq: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) row_hash: string;
}

class BundleReferencedView {
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Runs the records cite, as they stand at export' })
  runs: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Compares the records cite, with their statistics' })
  compares: Record<string, unknown>[];
}

class EvidenceBundleBodyView {
  @ApiProperty({ example: 'greenlight.launch-evidence-bundle.v1' }) format: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'date-time' }) exported_at: string;
  @ApiProperty() key_id: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The canonical JSON rules and hash formulas, in words' })
  hashing: Record<string, string>;
  @ApiProperty({ type: 'integer' }) record_count: number;
  @ApiProperty({ type: BundleHeadView, nullable: true, description: 'The last record; null without records' }) head: BundleHeadView | null;
  @ApiProperty({ type: ChainVerdictView, description: 'The server check of the chain at export time' }) verification: ChainVerdictView;
  @ApiProperty({ type: [BundleRecordView] }) records: BundleRecordView[];
  @ApiProperty({ type: BundleReferencedView }) referenced: BundleReferencedView;
}

export class EvidenceBundleView {
  @ApiProperty({ type: EvidenceBundleBodyView, description: 'What is signed: its canonical JSON' })
  bundle: EvidenceBundleBodyView;
  @ApiProperty({ type: BundleSignatureView }) signature: BundleSignatureView;
}
