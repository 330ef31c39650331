import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock, DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import type { ScopedAgent } from './agent-in-scope';
import { LaunchGateService } from '../gate';
import { gateInputsColumns, gateInputsFrom, GateInputsRow } from '../gate/launch-gate.reads';
import { briefColumns, briefFrom, BriefRow } from './agent-signals';
import { latestRunColumn, RunPoints, RunRow } from './run-points';
import type { AgentHealthView } from './views.types';

/**
 * One agent's health on one page: the launch gate as it stands (status, blockers and the signals it
 * read), the latest completed run's rates, issue patterns still open by priority, open SLO
 * violations, the readiness checklist's pending items and decision, and the latest launch decision.
 */
@Injectable()
export class AgentHealthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly gate: LaunchGateService,
    private readonly runs: RunPoints,
    private readonly clock: Clock,
  ) {}

  async health(actor: Actor, agentId: string): Promise<AgentHealthView> {
    // One statement: the agent in scope, its gate's inputs, its brief and its latest completed run.
    const params: unknown[] = [agentId];
    const rows: HealthRow[] = await this.db.query(
      `WITH ag AS (SELECT id, org_id, name, status FROM agents WHERE id = $1 AND ${OrgScope.of(actor).sql('org_id', params)})
       SELECT ag.id, ag.org_id, ag.name, ag.status,
              ${gateInputsColumns('ag.org_id', 'ARRAY[ag.id]')},
              ${briefColumns('ag.org_id', 'ag.id')},
              ${latestRunColumn('ag.org_id', 'ag.id')}
         FROM ag`,
      params,
    );
    if (rows.length === 0) throw DomainError.notFound('agent', agentId);
    const agent = rows[0];
    const brief = briefFrom(agent);
    const [gate, latest] = await Promise.all([this.gate.statusFromInputs(actor, agent, gateInputsFrom(agent)), this.runs.pointOf(agent.latest_run)]);
    return {
      agent_id: agent.id,
      org_id: agent.org_id,
      agent_name: agent.name,
      agent_status: agent.status,
      launch_gate: gate,
      latest_completed_run: latest,
      issue_patterns: brief.patterns,
      slo: { has_policy: brief.has_slo_policy, open_violations: brief.open_slo_violations },
      readiness: brief.readiness,
      latest_decision: brief.latest_decision,
      generated_at: this.clock.date().toISOString(),
    };
  }
}

type HealthRow = ScopedAgent & GateInputsRow & BriefRow & { latest_run: RunRow | null };
