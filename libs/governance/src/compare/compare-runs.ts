import type { DataSource } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { AgentEntity, EvalRunEntity } from '@greenlight/database';
import { DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { RunRefResolver } from '../registry/run-ref-resolver';

const REFS = new RunRefResolver();

/** What names the two runs of a compare: their ids, or an agent and two references. */
export interface CompareTarget {
  baseline_run_id?: string;
  candidate_run_id?: string;
  agent_id?: string;
  baseline_ref?: string;
  candidate_ref?: string;
}

export interface ResolvedRuns {
  mode: 'direct' | 'reference';
  baseline: EvalRunEntity;
  candidate: EvalRunEntity;
  baseline_ref: string | null;
  candidate_ref: string | null;
}

const DIRECT = ['baseline_run_id', 'candidate_run_id'] as const;
const REFERENCE = ['agent_id', 'baseline_ref', 'candidate_ref'] as const;

/**
 * Direct mode names both run ids; reference mode names an agent and a reference for each side. A request
 * that mixes the two, or leaves out a field of its mode, is a validation error naming the fields.
 */
export function compareMode(t: CompareTarget): 'direct' | 'reference' {
  const direct = DIRECT.filter((f) => t[f] !== undefined);
  const reference = REFERENCE.filter((f) => t[f] !== undefined);
  if (direct.length > 0 && reference.length > 0) {
    throw DomainError.validation('give either baseline_run_id and candidate_run_id, or agent_id, baseline_ref and candidate_ref, not both', [
      ...[...direct, ...reference].map((field) => ({ field, messages: ['cannot be mixed with the fields of the other mode'] })),
    ]);
  }
  const [mode, fields] = reference.length > 0 ? (['reference', REFERENCE] as const) : (['direct', DIRECT] as const);
  const missing = fields.filter((f) => t[f] === undefined);
  if (missing.length > 0)
    throw DomainError.validation(
      `${missing.join(', ')} required`,
      missing.map((field) => ({ field, messages: ['is required'] })),
    );
  return mode;
}

/** The two runs a compare names, in the actor's scope (a run or agent of another org is not found). */
export async function resolveRuns(db: DataSource, actor: Actor, t: CompareTarget): Promise<ResolvedRuns> {
  const scope = OrgScope.of(actor);
  if (compareMode(t) === 'direct') {
    const baseline = await scope.findOne(db, EvalRunEntity, t.baseline_run_id!, 'eval run');
    const candidate = await scope.findOne(db, EvalRunEntity, t.candidate_run_id!, 'eval run');
    return { mode: 'direct', baseline, candidate, baseline_ref: null, candidate_ref: null };
  }
  const agent = await scope.findOne(db, AgentEntity, t.agent_id!, 'agent');
  // The registry's rules for `latest`, `active`/`current` and names, so both read a reference the same way.
  const baselineId = (await REFS.resolve(db, agent, 'baseline', t.baseline_ref!)).run_id;
  const candidateId = (await REFS.resolve(db, agent, 'candidate', t.candidate_ref!)).run_id;
  const baseline = await scope.findOne(db, EvalRunEntity, baselineId, 'eval run');
  const candidate = await scope.findOne(db, EvalRunEntity, candidateId, 'eval run');
  return { mode: 'reference', baseline, candidate, baseline_ref: t.baseline_ref!, candidate_ref: t.candidate_ref! };
}

/**
 * The rules both runs must meet: same org (a run of another org is not found), same agent, both completed.
 */
export function assertComparable({ baseline, candidate }: ResolvedRuns): void {
  if (baseline.org_id !== candidate.org_id) throw DomainError.notFound('eval run', candidate.id);
  if (baseline.agent_id !== candidate.agent_id) {
    throw new DomainError(ErrorCode.EVAL_COMPARE_AGENT_MISMATCH, 'the baseline and the candidate must be runs of the same agent', {
      baseline_run_id: baseline.id,
      baseline_agent_id: baseline.agent_id,
      candidate_run_id: candidate.id,
      candidate_agent_id: candidate.agent_id,
    });
  }
  for (const [side, run] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (run.status !== 'completed') {
      throw new DomainError(ErrorCode.EVAL_COMPARE_RUN_NOT_COMPLETED, `the ${side} run is ${run.status}; only completed runs can be compared`, {
        side,
        run_id: run.id,
        status: run.status,
      });
    }
  }
}
