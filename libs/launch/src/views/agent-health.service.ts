import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { agentInScope } from './agent-in-scope';
import { LaunchGateService } from '../gate';
import { AgentSignals } from './agent-signals';
import { RunPoints } from './run-points';
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
    private readonly signals: AgentSignals,
    private readonly clock: Clock,
  ) {}

  async health(actor: Actor, agentId: string): Promise<AgentHealthView> {
    const agent = await agentInScope(this.db, actor, agentId);
    const [gate, latest, brief] = await Promise.all([
      this.gate.status(actor, agent.id),
      this.runs.latestByAgent({ orgId: agent.org_id, ids: [agent.id], wholeOrg: false }),
      this.signals.brief(agent.org_id, agent.id),
    ]);
    return {
      agent_id: agent.id,
      org_id: agent.org_id,
      agent_name: agent.name,
      agent_status: agent.status,
      launch_gate: gate,
      latest_completed_run: latest.get(agent.id) ?? null,
      issue_patterns: brief.patterns,
      slo: { has_policy: brief.has_slo_policy, open_violations: brief.open_slo_violations },
      readiness: brief.readiness,
      latest_decision: brief.latest_decision,
      generated_at: this.clock.date().toISOString(),
    };
  }
}
