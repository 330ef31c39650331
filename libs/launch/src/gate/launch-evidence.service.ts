import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentEntity, LaunchRecordEntity } from '@greenlight/database';
import { Clock, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { canonicalJson } from './canonical-json';
import { ChainLink, ChainVerdict, GENESIS_HASH, verifyChain } from './evidence-chain';
import { EvidencePublicKey, EvidenceSigner } from './evidence-signer';
import { recordContent } from './launch-record.view';

export const BUNDLE_FORMAT = 'greenlight.launch-evidence-bundle.v1';

/** How the bundle's hashes are made, stated in the bundle itself. */
const HASHING = {
  canonical_json: 'RFC 8785 (JCS): keys sorted by UTF-16 code units, no whitespace, ECMAScript number text, dates as ISO 8601 UTC text',
  content_hash: 'hex(sha256(utf8(canonical_json(content))))',
  row_hash: 'hex(sha256(ascii(prev_hash + content_hash)))',
  genesis_prev_hash: GENESIS_HASH,
  signature: 'Ed25519 over utf8(canonical_json(bundle)), base64',
};

export interface SignedEvidenceBundle {
  bundle: Record<string, unknown>;
  signature: { algorithm: 'Ed25519'; key_id: string; value: string };
}

/**
 * Checks an agent's launch history and exports it. `verify` recomputes every record's hashes from its
 * stored columns; `export` hands out all records with their content and hashes, the current state of
 * the runs and compares they cite, and an Ed25519 signature over the whole bundle, so the history can
 * be checked later without trusting this server.
 */
@Injectable()
export class LaunchEvidenceService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly signer: EvidenceSigner,
  ) {}

  async verify(actor: Actor, agentId: string): Promise<ChainVerdict> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    return verifyChain(await this.links(agent));
  }

  publicKey(): EvidencePublicKey {
    return this.signer.publicKey();
  }

  async export(actor: Actor, agentId: string): Promise<SignedEvidenceBundle> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const key = this.signer.publicKey(); // 503 before any work when signing is not configured
    const links = await this.links(agent);
    const referenced = await this.referenced(agent, links);
    const last = links.at(-1);
    const bundle = {
      format: BUNDLE_FORMAT,
      org_id: agent.org_id,
      agent_id: agent.id,
      exported_at: this.clock.date().toISOString(),
      key_id: key.key_id,
      hashing: HASHING,
      record_count: links.length,
      head: last ? { seq: last.seq, row_hash: last.row_hash } : null,
      verification: verifyChain(links),
      records: links,
      referenced,
    };
    const { signature, key_id } = this.signer.sign(canonicalJson(bundle));
    return { bundle, signature: { algorithm: 'Ed25519', key_id, value: signature } };
  }

  /** The agent's records in seq order, each with the content its hash covers rebuilt from its columns. */
  private async links(agent: AgentEntity): Promise<ChainLink[]> {
    const rows = await this.db.getRepository(LaunchRecordEntity).find({ where: { org_id: agent.org_id, agent_id: agent.id }, order: { seq: 'ASC' } });
    return rows.map((r) => ({ id: r.id, seq: r.seq, content: recordContent(r), content_hash: r.content_hash, prev_hash: r.prev_hash, row_hash: r.row_hash }));
  }

  /** The runs and compares the records cite, as they stand now (two queries). */
  private async referenced(agent: AgentEntity, links: ChainLink[]): Promise<Record<string, unknown>> {
    const runIds = new Set<string>();
    const compareIds = new Set<string>();
    for (const link of links) collectIds((link.content as { evidence?: unknown }).evidence, runIds, compareIds);
    const [runs, compares] = await Promise.all([
      runIds.size === 0
        ? []
        : this.db.query(
            `SELECT id, status, run_type, golden_set_id, judge_config_hash, total_cases, completed_at FROM eval_runs WHERE org_id = $1 AND id = ANY($2) ORDER BY id`,
            [agent.org_id, [...runIds]],
          ),
      compareIds.size === 0
        ? []
        : this.db.query(
            `SELECT id, baseline_run_id, candidate_run_id, verdict, regression_count, improvement_count, compared_case_count, alpha, statistics, created_at
               FROM eval_compares WHERE org_id = $1 AND id = ANY($2) ORDER BY id`,
            [agent.org_id, [...compareIds]],
          ),
    ]);
    return JSON.parse(JSON.stringify({ runs, compares })) as Record<string, unknown>;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RUN_KEYS = new Set(['run_id', 'source_run_id', 'baseline_run_id', 'candidate_run_id']);
const COMPARE_KEYS = new Set(['compare_id', 'source_compare_id']);

/** Run and compare ids anywhere in a record's evidence: keys naming them, and the `id` of `runs[]` and `compare`. */
function collectIds(value: unknown, runs: Set<string>, compares: Set<string>, parent = ''): void {
  if (Array.isArray(value)) {
    for (const v of value) collectIds(v, runs, compares, parent === 'runs' ? 'runs[]' : parent);
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && UUID.test(v)) {
      if (RUN_KEYS.has(k) || (k === 'id' && (parent === 'runs[]' || parent === 'latest_completed_run'))) runs.add(v);
      if (COMPARE_KEYS.has(k) || (k === 'id' && (parent === 'compare' || parent === 'latest_compare'))) compares.add(v);
    } else collectIds(v, runs, compares, k);
  }
}
