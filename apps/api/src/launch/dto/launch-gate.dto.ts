import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { NullableField } from '@greenlight/http';

const BLOCKER_KINDS = [
  'critical_issue_patterns',
  'open_slo_violations',
  'readiness_pending',
  'calibration_gate',
  'golden_set_quality_gate',
  'latest_compare_regressed',
] as const;

export const LAUNCH_DECISIONS = ['go', 'no_go', 'rollback'] as const;

export class LaunchBlockerView {
  @ApiProperty({ enum: BLOCKER_KINDS }) kind: string;
  @ApiProperty() message: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The evidence: counts and the first 20 items (patterns, violations, readiness items), the gate status of the calibration or golden-set gate, or the compare',
  })
  details: Record<string, unknown>;
}

class GateOfView {
  @ApiProperty() required: boolean;
  @ApiProperty({ type: String, enum: ['pass', 'blocked'], nullable: true, description: 'Null when the policy does not require it' }) status: string | null;
}

class CalibrationSignalView extends GateOfView {
  @ApiProperty({ type: [String] }) reasons: string[];
}

class GoldenSetSignalView extends GateOfView {
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) golden_set_id: string | null;
}

class CompareSignalView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() verdict: string;
  @ApiProperty({ type: 'integer' }) regression_count: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

class RunSignalView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) golden_set_id: string;
  @ApiProperty({ type: String, nullable: true }) judge_config_hash: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
}

class PolicySignalView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'integer' }) version: number;
}

export class LaunchGateSignalsView {
  @ApiProperty({ type: 'integer', description: 'Critical issue patterns not resolved' }) critical_open_patterns: number;
  @ApiProperty({ type: 'integer' }) open_slo_violations: number;
  @ApiProperty({ type: 'integer' }) readiness_pending: number;
  @ApiProperty({ type: CompareSignalView, nullable: true }) latest_compare: CompareSignalView | null;
  @ApiProperty({ type: RunSignalView, nullable: true }) latest_completed_run: RunSignalView | null;
  @ApiProperty({ type: CalibrationSignalView }) calibration_gate: CalibrationSignalView;
  @ApiProperty({ type: GoldenSetSignalView }) golden_set_quality_gate: GoldenSetSignalView;
  @ApiProperty({ type: PolicySignalView, nullable: true }) slo_policy: PolicySignalView | null;
}

export class LaunchGateView {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ enum: ['pass', 'blocked'] }) status: string;
  @ApiProperty({ type: [LaunchBlockerView] }) blockers: LaunchBlockerView[];
  @ApiProperty({ format: 'date-time' }) evaluated_at: string;
  @ApiProperty({ type: LaunchGateSignalsView }) signals: LaunchGateSignalsView;
}

export class CreateLaunchDecisionDto {
  @ApiProperty({ enum: LAUNCH_DECISIONS, description: '`go` is refused while the launch gate is blocked; `no_go` and `rollback` are always accepted' })
  @IsIn(LAUNCH_DECISIONS)
  decision: (typeof LAUNCH_DECISIONS)[number];

  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'All launch checks green; approved by the launch review' })
  @IsString()
  @Length(1, 2000)
  @Matches(/\S/, { message: '$property must not be blank' })
  reason: string;
}

export class CreateCertificationDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, description: 'A note kept with the certification' })
  @NullableField()
  @IsString()
  @Length(1, 2000)
  note?: string | null;
}

/** A launch decision or certification: an append-only record of the agent's hash chain. */
export class LaunchRecordView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ type: 'integer', description: "Position in the agent's chain, from 1" }) seq: number;
  @ApiProperty({ enum: ['decision', 'certification'] }) kind: string;
  @ApiProperty({ type: String, enum: LAUNCH_DECISIONS, nullable: true, description: 'Decisions only' }) decision: string | null;
  @ApiProperty({ type: String, enum: ['certified', 'blocked'], nullable: true, description: 'Certifications only' }) certification_status: string | null;
  @ApiProperty({ enum: ['pass', 'blocked'], description: 'The launch gate when the record was made' }) gate_status: string;
  @ApiProperty({ type: String, nullable: true, description: "A decision's reason, a certification's note" }) reason: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What the record rests on: `gate` (status, blockers, signals); a certification adds runs (judge hashes, rates), compare (with statistics), slo (policy, open violations), calibration (latest, gate) and readiness',
  })
  evidence: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by_key_id: string | null;
  @ApiProperty({ type: String, nullable: true }) request_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the canonical JSON of the content' }) content_hash: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: "The previous record's row_hash (64 zeros for seq 1)" }) prev_hash: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of prev_hash followed by content_hash' }) row_hash: string;
}
