import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { AgentEntity, LaunchDecision, LaunchRecordEntity, LaunchRecordKind, Page, PageRequest } from '@greenlight/database';
import { NotificationOutbox } from '@greenlight/notifications';
import { ActivityService, Clock, DomainError, OrgScope, paginate } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { CertificationEvidence } from './certification-evidence';
import { contentHash, GENESIS_HASH, rowHash } from './evidence-chain';
import { LaunchGateService } from './launch-gate.service';
import { LaunchGateView } from './launch-gate.types';
import { RecordFields, recordContent, LaunchRecordView, toRecordView } from './launch-record.view';

export interface DecisionInput {
  decision: LaunchDecision;
  reason: string;
}

export interface CertifyInput {
  note?: string | null;
}

type NewRecord = Pick<RecordFields, 'kind' | 'decision' | 'certification_status' | 'gate_status' | 'reason' | 'evidence'>;

/** The gate as a record keeps it. */
const gateEvidence = (g: LaunchGateView) => ({ status: g.status, blockers: g.blockers, evaluated_at: g.evaluated_at, signals: g.signals });

/**
 * Launch decisions and certifications: records appended to the agent's hash chain. A `go` is refused
 * while the gate is blocked; `no_go` and `rollback` are always accepted. Appends of one agent take a
 * transaction-scoped advisory lock on the agent, so concurrent requests line up into one chain.
 */
@Injectable()
export class LaunchRecordsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly gate: LaunchGateService,
    private readonly evidence: CertificationEvidence,
    private readonly outbox: NotificationOutbox,
    private readonly activity: ActivityService,
  ) {}

  async decide(actor: Actor, agentId: string, input: DecisionInput): Promise<LaunchRecordView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    return this.outbox.withEvents(async (m, emit) => {
      await this.lockChain(m, agent.id);
      // the gate is read inside the agent's lock, through this transaction: what the record keeps is what was decided on
      const gate = (await this.gate.evaluateMany(agent.org_id, [agent.id], m)).get(agent.id) as LaunchGateView;
      if (input.decision === 'go' && gate.status === 'blocked') {
        throw new DomainError(ErrorCode.LAUNCH_GATE_BLOCKED, `go refused: the launch gate is blocked (${gate.blockers.map((b) => b.kind).join(', ')})`, {
          status: gate.status,
          blockers: gate.blockers,
        });
      }
      const previous: { decision: string }[] = await m.query(
        `SELECT decision FROM launch_records WHERE agent_id = $1 AND kind = 'decision' ORDER BY seq DESC LIMIT 1`,
        [agent.id],
      );
      const row = await this.append(m, actor, agent, {
        kind: 'decision',
        decision: input.decision,
        certification_status: null,
        gate_status: gate.status,
        reason: input.reason,
        evidence: JSON.parse(JSON.stringify({ gate: gateEvidence(gate) })) as Record<string, unknown>,
      });
      const data = {
        agent_id: agent.id,
        decision_id: row.id,
        decision: input.decision,
        previous_decision: previous[0]?.decision ?? null,
        reason: input.reason,
        gate_status: gate.status,
        blocker_kinds: gate.blockers.map((b) => b.kind),
        seq: row.seq,
        row_hash: row.row_hash,
      };
      await emit({ org_id: agent.org_id, event_type: 'launch_decision_changed', data });
      await this.activity.record(m, actor, { org_id: agent.org_id, agent_id: agent.id, event_type: 'launch_decision_changed', metadata: data });
      return toRecordView(row);
    });
  }

  /** Freezes the evidence now: `certified` when the gate passes, `blocked` (with its blockers) when not. */
  async certify(actor: Actor, agentId: string, input: CertifyInput): Promise<LaunchRecordView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const gate = await this.gate.status(actor, agent.id);
    const snapshot = await this.evidence.collect(actor, agent, gate);
    return this.db.transaction(async (m) => {
      await this.lockChain(m, agent.id);
      const row = await this.append(m, actor, agent, {
        kind: 'certification',
        decision: null,
        certification_status: gate.status === 'pass' ? 'certified' : 'blocked',
        gate_status: gate.status,
        reason: input.note ?? null,
        evidence: snapshot,
      });
      await this.activity.record(m, actor, {
        org_id: agent.org_id,
        agent_id: agent.id,
        event_type: 'launch_certification_created',
        metadata: { certification_id: row.id, certification_status: row.certification_status, seq: row.seq, row_hash: row.row_hash },
      });
      return toRecordView(row);
    });
  }

  /** The agent's decisions or certifications, newest first. */
  async list(actor: Actor, agentId: string, kind: LaunchRecordKind, page: PageRequest): Promise<Page<LaunchRecordView>> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const qb = this.db
      .getRepository(LaunchRecordEntity)
      .createQueryBuilder('r')
      .where('r.org_id = :org AND r.agent_id = :agent AND r.kind = :kind', { org: agent.org_id, agent: agent.id, kind })
      .orderBy('r.seq', 'DESC');
    return paginate(qb, page, toRecordView);
  }

  /** Serialises appends to one agent's chain until the transaction ends. */
  private async lockChain(m: EntityManager, agentId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('launch_records:' || $1::text, 0))`, [agentId]);
  }

  /** Appends the next record of the agent's chain (the caller holds the chain lock). */
  private async append(m: EntityManager, actor: Actor, agent: AgentEntity, rec: NewRecord): Promise<LaunchRecordEntity> {
    const [last]: { seq: number; row_hash: string }[] = await m.query(
      `SELECT seq, row_hash FROM launch_records WHERE agent_id = $1 ORDER BY seq DESC LIMIT 1`,
      [agent.id],
    );
    const fields: RecordFields = {
      ...rec,
      id: randomUUID(),
      org_id: agent.org_id,
      agent_id: agent.id,
      seq: (last?.seq ?? 0) + 1,
      created_by_key_id: actor.key_id,
      request_id: actor.request_id ?? null,
      created_at: this.clock.date(),
    };
    const prev = last?.row_hash ?? GENESIS_HASH;
    const content = contentHash(recordContent(fields));
    const row = m.create(LaunchRecordEntity, { ...fields, content_hash: content, prev_hash: prev, row_hash: rowHash(prev, content) });
    await m.save(LaunchRecordEntity, row);
    return row;
  }
}
