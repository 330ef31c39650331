import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { GoldenSetCaseEntity, GoldenSetCaseReviewEntity, GoldenSetEntity, GoldenSetSourceFormat, Page, PageRequest } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { AgentsService } from '@greenlight/accounts';
import { ActivityService, DomainError, OrgScope, pageOf, paginate } from '@greenlight/platform';
import { CaseInput, validateCaseInput } from './case-input';
import { caseTextLimits } from './case-text-limits';
import type { FileIngestReport } from './golden-set-file.parser';
import { computeQualityGate, QualityGateStatus, QualityGateThresholds } from './quality-gate';

export interface GoldenSetView {
  id: string;
  org_id: string;
  agent_id: string;
  name: string;
  description: string;
  version: number;
  source_format: GoldenSetSourceFormat;
  source_filename: string | null;
  case_count: number;
  created_at: Date;
  updated_at: Date;
}

export type GoldenSetCaseView = Omit<GoldenSetCaseEntity, 'org_id'>;

export interface GoldenSetUploadView {
  golden_set: GoldenSetView;
  case_count: number;
  validation_report: FileIngestReport | null;
}

export interface NewGoldenSet {
  agent_id: string;
  name: string;
  description?: string;
}

const INSERT_BATCH = 1000;
/**
 * A batch of cases as one JSON parameter: building a thousand-row statement through the query
 * builder holds the event loop for tens of milliseconds, serialising the batch takes a few.
 */
const INSERT_CASES_SQL = `
  INSERT INTO golden_set_cases (golden_set_id, org_id, position, external_id, input, evaluation_mode, expected_answer,
    expected_sources, criteria, dimensions, difficulty, scenario_type, capability, tags)
  SELECT $1, $2, r.position, r.external_id, r.input, r.evaluation_mode, r.expected_answer,
    r.expected_sources, r.criteria, r.dimensions, r.difficulty, r.scenario_type, r.capability, r.tags
  FROM jsonb_to_recordset($3::jsonb) AS r(position integer, external_id text, input text, evaluation_mode evaluation_mode,
    expected_answer text, expected_sources text[], criteria text, dimensions text[], difficulty case_difficulty,
    scenario_type scenario_type, capability text, tags text[])`;
const VALIDATE_BATCH = 2000;

/** Golden sets: uploads (JSON and files, one transaction each), listing, governance and the quality gate. */
@Injectable()
export class GoldenSetsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly activity: ActivityService,
    private readonly agents: AgentsService,
    private readonly config: AppConfig,
  ) {}

  /** Canonical JSON upload: every case must be valid, or nothing is stored. */
  async uploadJson(actor: Actor, meta: NewGoldenSet, rawCases: unknown[]): Promise<GoldenSetUploadView> {
    this.checkRowCount(rawCases.length);
    const cases: CaseInput[] = [];
    const problems: { index: number; field: string; message: string }[] = [];
    const options = { form: 'json' as const, limits: caseTextLimits(this.config) };
    for (let index = 0; index < rawCases.length; index++) {
      // Thousands of cases take a while to check; let other requests in between.
      if (index > 0 && index % VALIDATE_BATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const raw = rawCases[index];
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        problems.push({ index, field: `cases.${index}`, message: 'must be an object' });
        continue;
      }
      const checked = validateCaseInput(raw as Record<string, unknown>, options);
      if (checked.ok) cases.push(checked.value);
      else for (const i of checked.issues) problems.push({ index, field: `cases.${index}.${i.field}`, message: i.message });
    }
    if (problems.length > 0) {
      throw DomainError.validation(
        `${new Set(problems.map((p) => p.index)).size} of ${rawCases.length} cases are invalid; nothing was stored`,
        problems.slice(0, 500).map((p) => ({ field: p.field, messages: [p.message] })),
      );
    }
    const set = await this.store(actor, meta, cases, { format: 'json', filename: null });
    return { golden_set: set, case_count: cases.length, validation_report: null };
  }

  /** File upload after parsing: valid rows are stored, invalid ones reported; all invalid is an error. */
  async uploadParsedFile(
    actor: Actor,
    meta: NewGoldenSet,
    parsed: { cases: CaseInput[]; report: FileIngestReport },
    filename: string | null,
  ): Promise<GoldenSetUploadView> {
    if (parsed.cases.length === 0) {
      throw new DomainError(ErrorCode.GOLDEN_SET_FILE_VALIDATION_FAILED, 'no row of the file is a valid case; nothing was stored', {
        validation_report: parsed.report,
      });
    }
    this.checkRowCount(parsed.cases.length);
    const set = await this.store(actor, meta, parsed.cases, { format: parsed.report.format, filename });
    return { golden_set: set, case_count: parsed.cases.length, validation_report: parsed.report };
  }

  private checkRowCount(n: number): void {
    const max = this.config.get('GOLDEN_SET_MAX_ROWS');
    if (n > max) throw DomainError.validation(`a golden set holds at most ${max} cases (got ${n})`, [{ field: 'cases', messages: [`at most ${max} cases`] }]);
    if (n === 0) throw DomainError.validation('a golden set needs at least one case', [{ field: 'cases', messages: ['must not be empty'] }]);
  }

  private async store(
    actor: Actor,
    meta: NewGoldenSet,
    cases: CaseInput[],
    source: { format: GoldenSetSourceFormat; filename: string | null },
  ): Promise<GoldenSetView> {
    const agent = await this.agents.load(actor, meta.agent_id);
    const setId = await this.db.transaction(async (m) => {
      const set = await m.save(
        m.create(GoldenSetEntity, {
          org_id: agent.org_id,
          agent_id: agent.id,
          name: meta.name.trim(),
          description: meta.description ?? '',
          source_format: source.format,
          source_filename: source.filename,
          created_by_key_id: actor.key_id,
        }),
      );
      for (let i = 0; i < cases.length; i += INSERT_BATCH) {
        const rows = cases.slice(i, i + INSERT_BATCH).map((c, j) => ({ ...c, position: i + j }));
        await m.query(INSERT_CASES_SQL, [set.id, agent.org_id, JSON.stringify(rows)]);
      }
      await this.activity.record(m, actor, {
        org_id: agent.org_id,
        agent_id: agent.id,
        event_type: 'golden_set_uploaded',
        metadata: { golden_set_id: set.id, case_count: cases.length, source_format: source.format },
      });
      return set.id;
    });
    return this.get(actor, setId);
  }

  async listForAgent(actor: Actor, agentId: string, page: PageRequest): Promise<Page<GoldenSetView>> {
    const scope = OrgScope.of(actor);
    const agent = await this.agents.load(actor, agentId);
    // The active case counts come as a raw column, so the page is fetched and counted by hand.
    const [rows, total] = await Promise.all([
      this.withCounts(scope)
        .andWhere('s.agent_id = :agent', { agent: agent.id })
        .orderBy('s.created_at', 'DESC')
        .addOrderBy('s.id', 'ASC')
        .limit(page.limit)
        .offset(page.offset)
        .getRawAndEntities(),
      this.db.getRepository(GoldenSetEntity).countBy(scope.where({ agent_id: agent.id })),
    ]);
    return pageOf(
      rows.entities.map((e, i) => present(e, rows.raw[i])),
      total,
      page,
    );
  }

  async get(actor: Actor, id: string): Promise<GoldenSetView> {
    return this.load(OrgScope.of(actor), id);
  }

  /** The set if it is in `scope`; NOT_FOUND otherwise (also for another org's set). */
  private async load(scope: OrgScope, id: string): Promise<GoldenSetView> {
    const { entities, raw } = await this.withCounts(scope).andWhere('s.id = :id', { id }).getRawAndEntities();
    if (!entities[0]) throw DomainError.notFound('golden set', id);
    return present(entities[0], raw[0]);
  }

  async listCases(
    actor: Actor,
    setId: string,
    filter: { include_inactive?: boolean; evaluation_mode?: 'answer' | 'criteria' },
    page: PageRequest,
  ): Promise<Page<GoldenSetCaseView>> {
    const scope = OrgScope.of(actor);
    const set = await this.load(scope, setId);
    const qb = scope.query(this.db, GoldenSetCaseEntity, 'c').andWhere('c.golden_set_id = :setId', { setId: set.id });
    if (!filter.include_inactive) qb.andWhere('c.is_active');
    if (filter.evaluation_mode) qb.andWhere('c.evaluation_mode = :mode', { mode: filter.evaluation_mode });
    qb.orderBy('c.position', 'ASC').addOrderBy('c.version', 'ASC').addOrderBy('c.id', 'ASC');
    return paginate(qb, page, presentCase);
  }

  /** Marks a case as reviewed and correct; adds a review-trail entry. */
  async verifyCase(actor: Actor, setId: string, caseId: string, notes: string | null): Promise<GoldenSetCaseView> {
    const scope = OrgScope.of(actor);
    const set = await this.load(scope, setId);
    return this.db.transaction(async (m) => {
      const c = await this.lockCase(m, scope, set.id, caseId);
      if (!c.is_active) {
        throw new DomainError(ErrorCode.GOLDEN_SET_CASE_NOT_ACTIVE, 'only active cases can be verified', { case_id: caseId, superseded_by: c.superseded_by });
      }
      await m.update(GoldenSetCaseEntity, { id: c.id }, { verified_at: () => 'now()', last_reviewed_at: () => 'now()', review_notes: notes } as never);
      await m.insert(GoldenSetCaseReviewEntity, {
        case_id: c.id,
        golden_set_id: set.id,
        org_id: set.org_id,
        action: 'verified',
        notes,
        reviewer_key_id: actor.key_id,
      });
      return presentCase(await m.findOneByOrFail(GoldenSetCaseEntity, { id: c.id }));
    });
  }

  /** Replaces an active case by a new version: the old one stays (for runs that used it) but is retired. */
  async supersedeCase(
    actor: Actor,
    setId: string,
    caseId: string,
    replacement: Record<string, unknown>,
    notes: string | null,
  ): Promise<{ superseded: GoldenSetCaseView; replacement: GoldenSetCaseView; golden_set_version: number }> {
    const checked = validateCaseInput(replacement, { form: 'json', limits: caseTextLimits(this.config) });
    if (!checked.ok) {
      throw DomainError.validation(
        'the replacement case is invalid',
        checked.issues.map((i) => ({ field: `case.${i.field}`, messages: [i.message] })),
      );
    }
    const scope = OrgScope.of(actor);
    const set = await this.load(scope, setId);
    return this.db.transaction(async (m) => {
      const old = await this.lockCase(m, scope, set.id, caseId);
      if (!old.is_active) {
        throw new DomainError(ErrorCode.GOLDEN_SET_CASE_NOT_ACTIVE, 'this case was already superseded', { case_id: caseId, superseded_by: old.superseded_by });
      }
      const created = await m.save(
        m.create(GoldenSetCaseEntity, { ...checked.value, golden_set_id: set.id, org_id: set.org_id, position: old.position, version: old.version + 1 }),
      );
      await m.update(GoldenSetCaseEntity, { id: old.id }, {
        is_active: false,
        superseded_by: created.id,
        superseded_at: () => 'now()',
        last_reviewed_at: () => 'now()',
      } as never);
      // For UPDATE, TypeORM's postgres driver answers [rows, rowCount].
      const [[{ version }]] = await m.query(`UPDATE golden_sets SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING version`, [set.id]);
      await m.insert(GoldenSetCaseReviewEntity, {
        case_id: old.id,
        golden_set_id: set.id,
        org_id: set.org_id,
        action: 'superseded',
        notes,
        reviewer_key_id: actor.key_id,
      });
      await this.activity.record(m, actor, {
        org_id: set.org_id,
        agent_id: set.agent_id,
        event_type: 'golden_set_case_superseded',
        metadata: { golden_set_id: set.id, case_id: old.id, replacement_case_id: created.id },
      });
      return {
        superseded: presentCase(await m.findOneByOrFail(GoldenSetCaseEntity, { id: old.id })),
        replacement: presentCase(created),
        golden_set_version: Number(version),
      };
    });
  }

  async reviews(actor: Actor, setId: string, caseId: string, page: PageRequest): Promise<Page<GoldenSetCaseReviewEntity>> {
    const scope = OrgScope.of(actor);
    const set = await this.load(scope, setId);
    const exists = await this.db.getRepository(GoldenSetCaseEntity).existsBy(scope.where({ id: caseId, golden_set_id: set.id }));
    if (!exists) throw DomainError.notFound('golden set case', caseId);
    const qb = scope
      .query(this.db, GoldenSetCaseReviewEntity, 'r')
      .andWhere('r.golden_set_id = :setId AND r.case_id = :caseId', { setId: set.id, caseId })
      .orderBy('r.created_at', 'ASC')
      .addOrderBy('r.id', 'ASC');
    return paginate(qb, page);
  }

  /** The quality gate of a set: enough active cases, and enough of them verified by a human. */
  async qualityGateStatus(actor: Actor, setId: string, thresholds: QualityGateThresholds): Promise<QualityGateStatus> {
    const set = await this.get(actor, setId);
    return this.computeQualityGate(this.db.manager, set.id, set.version, thresholds);
  }

  /** The quality gate of set `setId` at `version`, read through `m` (a run's transaction or the pool). */
  computeQualityGate(m: EntityManager, setId: string, version: number, t: QualityGateThresholds): Promise<QualityGateStatus> {
    return computeQualityGate(m, setId, version, t);
  }

  /** Sets in `scope`, each with its count of active cases as the raw column `case_count`. */
  private withCounts(scope: OrgScope) {
    return scope
      .query(this.db, GoldenSetEntity, 's')
      .addSelect((sub) => sub.select('count(*)::int').from(GoldenSetCaseEntity, 'c').where('c.golden_set_id = s.id AND c.is_active'), 'case_count');
  }

  /** The case of the set, locked for the rest of the transaction; NOT_FOUND when it is not in the set. */
  private async lockCase(m: EntityManager, scope: OrgScope, setId: string, caseId: string): Promise<GoldenSetCaseEntity> {
    const c = await scope
      .query(m, GoldenSetCaseEntity, 'c')
      .setLock('pessimistic_write')
      .andWhere('c.id = :caseId AND c.golden_set_id = :setId', { caseId, setId })
      .getOne();
    if (!c) throw DomainError.notFound('golden set case', caseId);
    return c;
  }
}

function present(s: GoldenSetEntity, raw: Record<string, unknown>): GoldenSetView {
  return {
    id: s.id,
    org_id: s.org_id,
    agent_id: s.agent_id,
    name: s.name,
    description: s.description,
    version: s.version,
    source_format: s.source_format,
    source_filename: s.source_filename,
    case_count: Number(raw.case_count ?? 0),
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

function presentCase(c: GoldenSetCaseEntity): GoldenSetCaseView {
  const { org_id: _org, ...rest } = c;
  return rest;
}
