import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IssuePatternEntity, PatternStatusChange } from '@greenlight/database';
import { ActivityService, Clock } from '@greenlight/platform';
import { PatternEvents } from './pattern-events';
import { isAllowedTransition } from './pattern-transitions';
import { EmitEvent, PatternView, REGRESSION_PATTERN_TAG, toPatternView } from './pattern.types';

export interface RegressionPatternInput {
  org_id: string;
  agent_id: string;
  baseline_run_id: string;
  candidate_run_id: string;
  regressed_case_ids: string[];
  deltas: Record<string, unknown>;
  actor_key_id: string | null;
}

export interface RemediationInput {
  org_id: string;
  agent_id: string;
  baseline_run_id: string;
  candidate_run_id: string;
  compare_id: string | null;
  actor_key_id: string | null;
}

const shortId = (id: string) => id.slice(0, 8);

/**
 * The patterns compares raise and settle. Both run in the compare's transaction; concurrent compares
 * of one agent are serialised on a transaction lock so a pair never gets two open patterns.
 */
@Injectable()
export class RegressionPatterns {
  constructor(
    private readonly clock: Clock,
    private readonly events: PatternEvents,
    private readonly activity: ActivityService,
  ) {}

  /** Reuses the pair's open pattern (adding newly regressed cases and the latest deltas) or opens a high-priority one. */
  async findOrCreate(m: EntityManager, input: RegressionPatternInput): Promise<{ pattern: PatternView; created: boolean }> {
    await this.lockAgent(m, input.agent_id);
    const now = this.clock.date();
    const existing = await m
      .getRepository(IssuePatternEntity)
      .createQueryBuilder('p')
      .where('p.org_id = :org AND p.agent_id = :agent AND p.primary_tag = :tag AND p.status <> :resolved', {
        org: input.org_id,
        agent: input.agent_id,
        tag: REGRESSION_PATTERN_TAG,
        resolved: 'resolved',
      })
      .andWhere(`p.metadata->>'baseline_run_id' = :baseline AND p.metadata->>'candidate_run_id' = :candidate`, {
        baseline: input.baseline_run_id,
        candidate: input.candidate_run_id,
      })
      .orderBy('p.created_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .getOne();
    if (existing) {
      existing.linked_case_ids = [...new Set([...existing.linked_case_ids, ...input.regressed_case_ids])];
      existing.metadata = { ...existing.metadata, regressed_case_ids: input.regressed_case_ids, deltas: input.deltas };
      existing.updated_at = now;
      await m.save(existing);
      return { pattern: toPatternView(existing), created: false };
    }
    const row = await m.save(m.create(IssuePatternEntity, this.newRegressionPattern(input, now)));
    await this.events.created(m, null, row);
    return { pattern: toPatternView(row), created: true };
  }

  /** Moves the matching open regression patterns to `verifying` where the matrix allows; see PatternsService.verifyRemediation. */
  async verify(m: EntityManager, input: RemediationInput, emit: EmitEvent): Promise<{ auto_closed: number; updated_patterns: string[] }> {
    await this.lockAgent(m, input.agent_id);
    const now = this.clock.date();
    const candidates = await m
      .getRepository(IssuePatternEntity)
      .createQueryBuilder('p')
      .where('p.org_id = :org AND p.agent_id = :agent AND p.primary_tag = :tag', { org: input.org_id, agent: input.agent_id, tag: REGRESSION_PATTERN_TAG })
      .andWhere(`p.metadata->>'baseline_run_id' = :baseline`, { baseline: input.baseline_run_id })
      .orderBy('p.created_at', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .setLock('pessimistic_write')
      .getMany();
    const movable = candidates.filter((p) => isAllowedTransition(p.status, 'verifying'));
    for (const pattern of movable) {
      const change: PatternStatusChange = {
        from: pattern.status,
        to: 'verifying',
        at: now.toISOString(),
        by_key_id: input.actor_key_id,
        note: input.compare_id ? `clean compare ${input.compare_id}` : 'clean compare',
        forced: false,
      };
      pattern.status = 'verifying';
      pattern.status_history = [...pattern.status_history, change];
      pattern.verification = {
        ...(pattern.verification ?? {}),
        compare_id: input.compare_id,
        candidate_run_id: input.candidate_run_id,
        verified_at: change.at,
      };
      pattern.updated_at = now;
      await m.save(pattern);
      await this.events.statusChanged(m, null, pattern, change, emit);
    }
    const updated = movable.map((p) => p.id);
    if (updated.length > 0) await this.remediationVerified(m, input, updated, emit);
    return { auto_closed: updated.length, updated_patterns: updated };
  }

  private async remediationVerified(m: EntityManager, input: RemediationInput, patternIds: string[], emit: EmitEvent): Promise<void> {
    const data = {
      agent_id: input.agent_id,
      baseline_run_id: input.baseline_run_id,
      candidate_run_id: input.candidate_run_id,
      compare_id: input.compare_id,
      pattern_ids: patternIds,
      by_key_id: input.actor_key_id,
    };
    await emit({ org_id: input.org_id, event_type: 'remediation_verified', data });
    await this.activity.record(m, null, { org_id: input.org_id, agent_id: input.agent_id, event_type: 'remediation_verified', metadata: data });
  }

  private newRegressionPattern(input: RegressionPatternInput, now: Date): Partial<IssuePatternEntity> {
    const n = input.regressed_case_ids.length;
    return {
      org_id: input.org_id,
      agent_id: input.agent_id,
      title: `Regression: run ${shortId(input.candidate_run_id)} vs baseline ${shortId(input.baseline_run_id)}`,
      description: `${n} case${n === 1 ? '' : 's'} regressed from the baseline run to the candidate run.`,
      status: 'open',
      priority: 'high',
      owner: null,
      root_cause: null,
      suggested_fix: null,
      tags: ['regression'],
      primary_tag: REGRESSION_PATTERN_TAG,
      linked_case_ids: [...new Set(input.regressed_case_ids)],
      verification: null,
      metadata: {
        baseline_run_id: input.baseline_run_id,
        candidate_run_id: input.candidate_run_id,
        regressed_case_ids: input.regressed_case_ids,
        deltas: input.deltas,
      },
      status_history: [{ from: null, to: 'open', at: now.toISOString(), by_key_id: input.actor_key_id, note: null, forced: false }],
      resolved_date: null,
      created_at: now,
      updated_at: now,
    };
  }

  /** One compare of an agent at a time settles its regression patterns (held until the transaction ends). */
  private async lockAgent(m: EntityManager, agentId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`regression-patterns:${agentId}`]);
  }
}
