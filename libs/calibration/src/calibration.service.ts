import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentEntity, CalibrationRunEntity, EvalRunEntity } from '@greenlight/database';
import { judgeConfigHash, latestCompletedRun } from '@greenlight/evaluation';
import { ActivityService, Clock, DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import {
  CalibrationView,
  CreateCalibrationInput,
  GateReason,
  GateStatusView,
  GateThresholds,
  HumanLabel,
  MAX_STORED_LABELS,
  toCalibrationView,
} from './calibration.types';
import { JudgeVerdict, pairLabels } from './label-pairing';

const DAY_MS = 86_400_000;

/**
 * Judge calibration: human labels of a completed run's cases measured against its judge, and the gate
 * that says whether an agent's judge is calibrated well enough, recently enough, for the judge it runs now.
 */
@Injectable()
export class CalibrationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
  ) {}

  async create(actor: Actor, input: CreateCalibrationInput): Promise<CalibrationView> {
    const run = await OrgScope.of(actor).findOne(this.db, EvalRunEntity, input.run_id, 'run');
    if (run.status !== 'completed') throw DomainError.validation('the run has not completed', [{ field: 'run_id', messages: [`run is ${run.status}`] }]);
    const labels = input.from_reviews ? await this.reviewLabels(run.id) : (input.labels ?? []);
    if (labels.length === 0) throw DomainError.validation('labels or from_reviews is required', [{ field: 'labels', messages: ['must not be empty'] }]);
    const verdicts = await this.judgeVerdicts(run.id);
    const unknown = labels.map((l) => l.case_id).filter((id) => !verdicts.has(id));
    if (unknown.length > 0)
      throw DomainError.validation(`${unknown.length} case id(s) are not cases of the run`, [
        { field: 'labels', messages: ['unknown case ids'], case_ids: unknown.slice(0, 100) },
      ]);
    const measured = pairLabels(labels, verdicts);
    const hash = run.judge_config_hash ?? judgeConfigHash(run.config);
    return this.db.transaction(async (m) => {
      const row = await m.save(
        m.create(CalibrationRunEntity, {
          org_id: run.org_id,
          agent_id: run.agent_id,
          run_id: run.id,
          judge_config_hash: hash,
          source: input.from_reviews ? 'reviews' : 'labels',
          case_count: labels.length,
          agreement: measured.agreement,
          kappa: measured.kappa as Record<string, unknown>,
          labels: labels.slice(0, MAX_STORED_LABELS),
          created_by_key_id: actor.key_id,
          created_at: this.clock.date(),
        }),
      );
      await this.activity.record(m, actor, {
        org_id: run.org_id,
        agent_id: run.agent_id,
        event_type: 'calibration_run_created',
        metadata: { calibration_id: row.id, run_id: run.id, case_count: row.case_count, agreement: measured.agreement.overall },
      });
      return toCalibrationView(row);
    });
  }

  async get(actor: Actor, id: string): Promise<CalibrationView> {
    return toCalibrationView(await OrgScope.of(actor).findOne(this.db, CalibrationRunEntity, id, 'calibration run'));
  }

  async latest(actor: Actor, agentId: string): Promise<CalibrationView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const row = await this.latestRow(agent);
    if (!row) throw DomainError.notFound('calibration run');
    return toCalibrationView(row);
  }

  /**
   * Whether the agent's judge is calibrated: a calibration exists, is at most `max_calibration_age_days`
   * old, reaches the agreement and kappa minimums on `field`, and measured the same judge configuration
   * as the agent's most recent completed run (the judge its results come from now). A kappa that is
   * undefined (every label the same) or a field with no labels counts as below the minimum.
   */
  async gateStatus(actor: Actor, agentId: string, thresholds: GateThresholds): Promise<GateStatusView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    return this.gateStatusOf(agent, thresholds, await this.currentJudgeConfigHash(agent));
  }

  /**
   * The gate for an agent already scoped to its org (a run's own agent, no actor), measured against
   * `judgeHash`: the judge configuration whose results must be trusted. For the status endpoint that is
   * the agent's latest completed run's; for a run about to execute, the run's own (see runGateStatus).
   */
  async gateStatusOf(agent: Pick<AgentEntity, 'id' | 'org_id'>, thresholds: GateThresholds, judgeHash: string | null): Promise<GateStatusView> {
    const row = await this.latestRow(agent);
    const reasons: GateReason[] = [];
    if (!row) reasons.push('no_calibration');
    else {
      if (this.clock.now() - row.created_at.getTime() > thresholds.max_calibration_age_days * DAY_MS) reasons.push('calibration_too_old');
      const fields = (row.agreement.fields ?? {}) as Record<string, number | null>;
      const agreement = fields[thresholds.field];
      if (typeof agreement !== 'number' || agreement < thresholds.min_agreement) reasons.push('agreement_below_minimum');
      const kappa = (row.kappa[thresholds.field] as { kappa?: number | null } | undefined)?.kappa;
      if (typeof kappa !== 'number' || kappa < thresholds.min_kappa) reasons.push('kappa_below_minimum');
      if (judgeHash !== row.judge_config_hash) reasons.push('judge_config_changed');
    }
    return {
      status: reasons.length === 0 ? 'pass' : 'blocked',
      reasons,
      thresholds,
      calibration: row ? toCalibrationView(row) : null,
      current_judge_config_hash: judgeHash,
    };
  }

  private latestRow(agent: Pick<AgentEntity, 'id' | 'org_id'>): Promise<CalibrationRunEntity | null> {
    return this.db.getRepository(CalibrationRunEntity).findOne({
      where: { org_id: agent.org_id, agent_id: agent.id },
      order: { created_at: 'DESC', id: 'DESC' },
    });
  }

  /** The judge configuration of the agent's latest completed run: what the calibration must still match. */
  private async currentJudgeConfigHash(agent: AgentEntity): Promise<string | null> {
    const run = await latestCompletedRun(this.db, agent);
    return run ? (run.judge_config_hash ?? judgeConfigHash(run.config)) : null;
  }

  /** The judge's verdict per case: the first trial of each case, the one every run has. */
  private async judgeVerdicts(runId: string): Promise<Map<string, JudgeVerdict>> {
    const rows: JudgeVerdict[] = await this.db.query(
      `SELECT case_id, passed, answer_correct, source_correct, quality_score::float8 AS quality_score FROM eval_results WHERE run_id = $1 AND trial = 1`,
      [runId],
    );
    return new Map(rows.map((r) => [r.case_id, r]));
  }

  /**
   * Labels from the reviews of the run's first-trial results: an accepted result agrees with its judge, an
   * overridden one carries the reviewer's values over the judge's. Reviews do not judge pass/fail, so
   * these labels cover answer_correct, source_correct and quality_score.
   */
  private async reviewLabels(runId: string): Promise<HumanLabel[]> {
    const rows: { case_id: string; answer_correct: boolean | null; source_correct: boolean | null; quality_score: number | null }[] = await this.db.query(
      `SELECT case_id,
              CASE WHEN review_override ? 'answer_correct' THEN (review_override->>'answer_correct')::boolean ELSE answer_correct END AS answer_correct,
              CASE WHEN review_override ? 'source_correct' THEN (review_override->>'source_correct')::boolean ELSE source_correct END AS source_correct,
              (CASE WHEN review_override ? 'quality_score' THEN (review_override->>'quality_score')::numeric ELSE quality_score END)::float8 AS quality_score
         FROM eval_results WHERE run_id = $1 AND trial = 1 AND review_status IN ('accepted', 'overridden') ORDER BY case_id`,
      [runId],
    );
    if (rows.length === 0) throw DomainError.validation('the run has no reviewed results', [{ field: 'from_reviews', messages: ['no reviewed results'] }]);
    return rows.map((r) => ({
      case_id: r.case_id,
      ...(r.answer_correct === null ? {} : { answer_correct: r.answer_correct }),
      ...(r.source_correct === null ? {} : { source_correct: r.source_correct }),
      ...(r.quality_score === null ? {} : { quality_score: r.quality_score }),
    }));
  }
}
