import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PageRequest } from '@greenlight/database';
import { Clock, DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { LaunchGateService } from '../gate';
import { FreshCoalescer } from './fresh-coalescer';
import { LatestDecisions } from './latest-decisions';
import { RunPoints } from './run-points';
import type { PortfolioAgentItem, PortfolioHealthView, PortfolioRollups } from './views.types';

export interface PortfolioFilter {
  /** Only agents whose gate says this (the roll-ups still cover the whole org). */
  posture?: 'pass' | 'blocked';
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

interface OrgEvaluation {
  generated_at: string;
  items: PortfolioAgentItem[];
  rollups: PortfolioRollups;
}

/**
 * An org's launch posture: for each agent (a page of them) whether its launch gate passes or what
 * kinds of blocker hold it, its latest launch decision and its latest completed run's rates; and
 * roll-ups over every agent of the org. Every agent is evaluated with the gate's batch evaluation,
 * so the number of queries is the same for 5 agents or 5,000, and each agent's posture is exactly
 * what `GET /agents/{id}/launch-gate` answers for it. Requests for the same org that arrive while an
 * evaluation runs share the next one (see FreshCoalescer): never older than the request, and under
 * load one evaluation answers many requests.
 */
@Injectable()
export class PortfolioHealthService {
  private readonly evaluations = new FreshCoalescer<OrgEvaluation>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly gate: LaunchGateService,
    private readonly runs: RunPoints,
    private readonly decisions: LatestDecisions,
    private readonly clock: Clock,
  ) {}

  async portfolio(actor: Actor, orgId: string, filter: PortfolioFilter, page: PageRequest): Promise<PortfolioHealthView> {
    await this.assertVisible(actor, orgId);
    // Concurrent requests for one org share an evaluation that started after they arrived.
    const org = await this.evaluations.run(orgId, () => this.evaluate(orgId));
    const listed = filter.posture ? org.items.filter((i) => i.posture.status === filter.posture) : org.items;
    return {
      org_id: orgId,
      generated_at: org.generated_at,
      rollups: org.rollups,
      agents: { items: listed.slice(page.offset, page.offset + page.limit), limit: page.limit, offset: page.offset, total: listed.length },
    };
  }

  /** Every agent of the org, by name, with its posture; and the roll-ups. A fixed number of queries. */
  private async evaluate(orgId: string): Promise<OrgEvaluation> {
    // Every read at once (they select the org's agents themselves): one round of queries.
    const everyAgent = { orgId, wholeOrg: true } as const;
    const [agents, gates, latest, decisions] = await Promise.all([
      this.db.query(`SELECT id, name, status FROM agents WHERE org_id = $1 ORDER BY lower(name), id`, [orgId]) as Promise<
        { id: string; name: string; status: string }[]
      >,
      this.gate.evaluateOrg(orgId),
      this.runs.latestByAgent(everyAgent),
      this.decisions.forAgents(everyAgent),
    ]);
    // An agent created between those reads: its gate, read now (never a posture it was not evaluated to).
    const unevaluated = agents.filter((a) => !gates.has(a.id)).map((a) => a.id);
    if (unevaluated.length > 0) for (const [id, gate] of await this.gate.evaluateMany(orgId, unevaluated)) gates.set(id, gate);
    const items: PortfolioAgentItem[] = agents.map((a) => {
      const gate = gates.get(a.id);
      return {
        agent_id: a.id,
        name: a.name,
        agent_status: a.status,
        posture: { status: gate?.status ?? 'blocked', blocker_kinds: [...new Set((gate?.blockers ?? []).map((b) => b.kind))] },
        latest_decision: decisions.get(a.id) ?? null,
        latest_completed_run: latest.get(a.id) ?? null,
        // what the gate counted: open violations, critical patterns not resolved
        open_slo_violations: gate?.signals.open_slo_violations ?? 0,
        open_critical_patterns: gate?.signals.critical_open_patterns ?? 0,
      };
    });
    return { generated_at: this.clock.date().toISOString(), items, rollups: rollupsOf(items) };
  }

  /** Your own org, or any existing org for a global key; anything else answers 404 as a missing org. */
  private async assertVisible(actor: Actor, orgId: string): Promise<void> {
    const scope = OrgScope.of(actor);
    if (!scope.includes(orgId)) throw DomainError.notFound('org', orgId);
    // An org key's own org exists: the key was just found, and keys go with their org (deleted with it).
    if (actor.org_id === orgId) return;
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM orgs WHERE id = $1`, [orgId]);
    if (rows.length === 0) throw DomainError.notFound('org', orgId);
  }
}

/** Totals over every agent of the org. */
export function rollupsOf(items: PortfolioAgentItem[]): PortfolioRollups {
  const r: PortfolioRollups = {
    agent_count: items.length,
    agents_by_posture: { pass: 0, blocked: 0 },
    blocked_by_kind: {},
    agents_by_latest_decision: { go: 0, no_go: 0, rollback: 0, none: 0 },
    open_slo_violations: 0,
    open_critical_patterns: 0,
    agents_with_completed_runs: 0,
    average_latest_pass_rate: null,
  };
  let passRates = 0;
  for (const i of items) {
    r.agents_by_posture[i.posture.status] += 1;
    for (const kind of i.posture.blocker_kinds) r.blocked_by_kind[kind] = (r.blocked_by_kind[kind] ?? 0) + 1;
    const decision = i.latest_decision?.decision;
    if (decision === 'go' || decision === 'no_go' || decision === 'rollback') r.agents_by_latest_decision[decision] += 1;
    else r.agents_by_latest_decision.none += 1;
    r.open_slo_violations += i.open_slo_violations;
    r.open_critical_patterns += i.open_critical_patterns;
    if (i.latest_completed_run) {
      r.agents_with_completed_runs += 1;
      passRates += i.latest_completed_run.pass_rate;
    }
  }
  if (r.agents_with_completed_runs > 0) r.average_latest_pass_rate = round4(passRates / r.agents_with_completed_runs);
  return r;
}
