import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { ApiEnvelope, ErrorEnvelope, PageQuery, UuidParamPipe } from '@greenlight/http';
import { LaunchGateService, LaunchRecordsService } from '@greenlight/launch';
import type { Actor } from '@greenlight/tenancy';
import { CreateCertificationDto, CreateLaunchDecisionDto, LaunchGateView, LaunchRecordView } from './dto/launch-gate.dto';

const GATE =
  'Blocked by each of: critical issue patterns not yet resolved (critical_issue_patterns), open SLO violations (open_slo_violations), ' +
  'pending readiness items (readiness_pending), the calibration gate when the SLO policy sets require_calibration_gate (calibration_gate, with its reasons), ' +
  "the golden-set quality gate of the latest completed run's golden set when the policy sets require_golden_set_quality_gate (golden_set_quality_gate), " +
  'and a latest stored compare that counted regressed cases (latest_compare_regressed). Thresholds the policy leaves unset take the defaults of the gates. ' +
  '`signals` shows what was read whether or not it blocks.';

const CHAIN = "The record is appended to the agent's hash chain (seq, content_hash, prev_hash, row_hash); records can never be updated or deleted.";

@ApiTags('Guardrails')
@Controller('api/v1/agents/:agent_id')
export class LaunchGateController {
  constructor(
    private readonly gate: LaunchGateService,
    private readonly records: LaunchRecordsService,
  ) {}

  @Get('launch-gate')
  @Auth('viewer')
  @ApiOperation({ summary: 'May the agent launch now: pass, or blocked with the blockers', description: GATE })
  @ApiEnvelope(LaunchGateView)
  status(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.gate.status(actor, agentId);
  }

  @Post('launch-decision')
  @Auth('admin')
  @ApiOperation({
    summary: 'Record a launch decision (go, no_go, rollback) with its reason',
    description: `A go while the launch gate is blocked answers 409 LAUNCH_GATE_BLOCKED with the blockers in details; no_go and rollback are always recorded. The gate at that moment is kept in the record's evidence. Emits launch_decision_changed (webhook and activity). ${CHAIN}`,
  })
  @ApiBody({
    type: CreateLaunchDecisionDto,
    examples: {
      go: { summary: 'Launch (refused while the gate is blocked)', value: { decision: 'go', reason: 'Launch review passed; all gates green' } },
      rollback: { summary: 'Roll a launch back', value: { decision: 'rollback', reason: 'Incident 4711: answers cite retired documents' } },
    },
  })
  @ApiEnvelope(LaunchRecordView, { status: 201 })
  @ApiConflictResponse({ description: 'LAUNCH_GATE_BLOCKED with details.blockers', type: ErrorEnvelope })
  decide(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: CreateLaunchDecisionDto) {
    return this.records.decide(actor, agentId, body);
  }

  @Get('launch-decisions')
  @Auth('viewer')
  @ApiOperation({ summary: "The agent's launch decisions, newest first" })
  @ApiEnvelope(LaunchRecordView, { paginated: true })
  decisions(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() page: PageQuery) {
    return this.records.list(actor, agentId, 'decision', { limit: page.limit, offset: page.offset });
  }

  @Post('launch-certify')
  @Auth('admin')
  @ApiOperation({
    summary: 'Certify the agent: freeze the launch evidence now',
    description: `certification_status is certified when the launch gate passes, blocked (with the blockers) when not. The evidence keeps the gate, the latest completed runs with their judge configuration hashes and rates, the latest stored compare with its statistics, the SLO policy and open violations, the latest calibration with the calibration gate, and readiness. ${CHAIN}`,
  })
  @ApiEnvelope(LaunchRecordView, { status: 201 })
  certify(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: CreateCertificationDto) {
    return this.records.certify(actor, agentId, body);
  }

  @Get('launch-certifications')
  @Auth('viewer')
  @ApiOperation({ summary: "The agent's launch certifications, newest first" })
  @ApiEnvelope(LaunchRecordView, { paginated: true })
  certifications(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() page: PageQuery) {
    return this.records.list(actor, agentId, 'certification', { limit: page.limit, offset: page.offset });
  }
}
