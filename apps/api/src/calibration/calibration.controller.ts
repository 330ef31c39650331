import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { CalibrationService, DEFAULT_GATE_THRESHOLDS } from '@greenlight/calibration';
import { ApiEnvelope, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { CalibrationView, CreateCalibrationDto, GateStatusQuery, GateStatusView } from './dto/calibration.dto';

const GATE = `Blocked with one reason per failed condition: no_calibration (none yet), calibration_too_old (older than max_calibration_age_days), agreement_below_minimum and kappa_below_minimum (on \`field\`; a field without labels or with an undefined kappa counts as below), judge_config_changed (the agent's most recent completed run used another judge configuration than the calibrated run).`;

@ApiTags('Calibration')
@Controller('api/v1')
export class CalibrationController {
  constructor(private readonly calibration: CalibrationService) {}

  @Post('calibration/runs')
  @Auth('member')
  @ApiOperation({
    summary: "Measure a completed run's judge against human labels",
    description:
      "Each label is paired with the judge result of its case's first trial. Raw agreement overall and per field; Cohen's kappa for passed, answer_correct and source_correct, quadratic-weighted kappa for quality_score (1-5). Case ids that are not cases of the run answer 400 naming them.",
  })
  @ApiEnvelope(CalibrationView, { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() body: CreateCalibrationDto) {
    return this.calibration.create(actor, body);
  }

  @Get('calibration/runs/:id')
  @Auth('viewer')
  @ApiOperation({ summary: 'A calibration run' })
  @ApiEnvelope(CalibrationView)
  get(@CurrentActor() actor: Actor, @Param('id', UuidParamPipe) id: string) {
    return this.calibration.get(actor, id);
  }

  @Get('agents/:agent_id/calibration/latest')
  @Auth('viewer')
  @ApiOperation({ summary: "The agent's most recent calibration run (404 when none)" })
  @ApiEnvelope(CalibrationView)
  latest(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.calibration.latest(actor, agentId);
  }

  @Get('agents/:agent_id/calibration-gate-status')
  @Auth('viewer')
  @ApiOperation({ summary: "Is the agent's judge calibrated well enough, recently enough, for the judge it runs now", description: GATE })
  @ApiEnvelope(GateStatusView)
  gateStatus(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() q: GateStatusQuery) {
    return this.calibration.gateStatus(actor, agentId, {
      max_calibration_age_days: q.max_calibration_age_days ?? DEFAULT_GATE_THRESHOLDS.max_calibration_age_days,
      min_agreement: q.min_agreement ?? DEFAULT_GATE_THRESHOLDS.min_agreement,
      min_kappa: q.min_kappa ?? DEFAULT_GATE_THRESHOLDS.min_kappa,
      field: q.field ?? DEFAULT_GATE_THRESHOLDS.field,
    });
  }
}
