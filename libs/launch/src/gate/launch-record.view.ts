import type { CertificationStatus, LaunchDecision, LaunchRecordEntity, LaunchRecordKind } from '@greenlight/database';

/** The format tag hashed with every record; a later change of the content's shape gets a new one. */
export const RECORD_FORMAT = 'greenlight.launch-record.v1';

/** The fields of a record its content hash covers: every column but the three hashes. */
export type RecordFields = Pick<
  LaunchRecordEntity,
  | 'id'
  | 'org_id'
  | 'agent_id'
  | 'seq'
  | 'kind'
  | 'decision'
  | 'certification_status'
  | 'gate_status'
  | 'reason'
  | 'evidence'
  | 'created_by_key_id'
  | 'request_id'
  | 'created_at'
>;

/** A record's hashed content, built from its columns (so a change to any column changes the hash). */
export function recordContent(r: RecordFields): Record<string, unknown> {
  return {
    format: RECORD_FORMAT,
    id: r.id,
    org_id: r.org_id,
    agent_id: r.agent_id,
    seq: r.seq,
    kind: r.kind,
    decision: r.decision,
    certification_status: r.certification_status,
    gate_status: r.gate_status,
    reason: r.reason,
    evidence: r.evidence,
    created_by_key_id: r.created_by_key_id,
    request_id: r.request_id,
    created_at: new Date(r.created_at).toISOString(),
  };
}

/** A launch record as the API shows it. */
export interface LaunchRecordView {
  id: string;
  org_id: string;
  agent_id: string;
  seq: number;
  kind: LaunchRecordKind;
  decision: LaunchDecision | null;
  certification_status: CertificationStatus | null;
  gate_status: 'pass' | 'blocked';
  reason: string | null;
  evidence: Record<string, unknown>;
  created_by_key_id: string | null;
  request_id: string | null;
  created_at: string;
  content_hash: string;
  prev_hash: string;
  row_hash: string;
}

/** The record as the API shows it: its hashed content (without the format tag) and its hashes. */
export function toRecordView(r: LaunchRecordEntity): LaunchRecordView {
  const { format: _format, ...content } = recordContent(r);
  return {
    ...(content as Omit<LaunchRecordView, 'content_hash' | 'prev_hash' | 'row_hash'>),
    content_hash: r.content_hash,
    prev_hash: r.prev_hash,
    row_hash: r.row_hash,
  };
}
