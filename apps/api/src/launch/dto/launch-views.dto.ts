import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsIn, IsInt, IsISO8601, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { OptionalField, PageQuery, QueryBoolean, QueryNumber } from '@greenlight/http';
import { RunRatesView } from '../../evaluation/dto/eval-run.dto';
import { RUN_TYPES, RunTypeField, RunTypeName } from '../../evaluation/dto/run-type';
import { LaunchGateView } from './launch-gate.dto';

const EVENT_TYPE = /^[a-z0-9_.]{1,64}$/;

/** `a,b,c` → ['a', 'b', 'c'] (a repeated query parameter arrives as an array already). */
const commaList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value);

export class ActivityQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'run_completed,regression_compare', description: 'One event type or several, comma-separated (at most 20)' })
  @OptionalField()
  @Transform(commaList)
  @ArrayMaxSize(20)
  @Matches(EVENT_TYPE, { each: true, message: 'each event type must be 1-64 of a-z, 0-9, _ and .' })
  event_type?: string[];

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or after this time' })
  @OptionalField()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events before this time' })
  @OptionalField()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Events recorded by calls with this API key' })
  @OptionalField()
  @IsUUID()
  actor_key_id?: string;

  @ApiPropertyOptional({ description: 'Events recorded by the call with this X-Request-Id' })
  @OptionalField()
  @IsString()
  @Length(1, 128)
  request_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Events about this run' })
  @OptionalField()
  @IsUUID()
  run_id?: string;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description:
      "Also list the queue-level steps of the agent's runs (run_queued, run_started, run_cancelled, run_requeued, run_resumed, run_reopened, run_fanned_out, run_queue_deduplicated) from their event logs, with source run_event. Ignored with actor_key_id or request_id (steps carry neither).",
  })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  include_run_events?: boolean;
}

export class ActivityItemView {
  @ApiProperty({ description: 'Event id (a uuid for activity, a sequence number for a run step)' }) id: string;
  @ApiProperty({ enum: ['activity', 'run_event'] }) source: 'activity' | 'run_event';
  @ApiProperty({ example: 'run_completed' }) event_type: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) run_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The API key of the call that recorded it' }) actor_key_id: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The call's X-Request-Id" }) request_id: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time', type: String }) created_at: string;
}

export class ScoreTrendQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 30, description: 'The newest this many completed runs' })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 30;

  @ApiPropertyOptional({ minimum: 1, maximum: 3650, description: 'Only runs completed within the last this many days' })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(3650)
  days?: number;

  @RunTypeField()
  run_type?: RunTypeName;
}

export class RunPointView extends RunRatesView {
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: RUN_TYPES }) run_type: string;
  @ApiProperty({ type: String, nullable: true }) judge_config_hash: string | null;
  @ApiProperty({ format: 'date-time', type: String }) completed_at: string;
  @ApiProperty() total_cases: number;
}

class TrendWindowView {
  @ApiProperty() limit: number;
  @ApiProperty({ type: Number, nullable: true }) days: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'now minus days' }) since: string | null;
  @ApiProperty({ type: String, enum: RUN_TYPES, nullable: true }) run_type: string | null;
}

class RateChangeView {
  @ApiProperty() answer_correct_rate: number;
  @ApiProperty() source_correct_rate: number;
  @ApiProperty() quality_pass_rate: number;
  @ApiProperty() pass_rate: number;
}

export class ScoreTrendView {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ type: TrendWindowView }) window: TrendWindowView;
  @ApiProperty({ type: [RunPointView], description: 'Completed runs in the window, oldest first, with the rates of their summaries' }) points: RunPointView[];
  @ApiProperty({ type: RateChangeView, nullable: true, description: 'Last point minus first point; null with fewer than two points' })
  change: RateChangeView | null;
}

class PriorityCountsView {
  @ApiProperty() critical: number;
  @ApiProperty() high: number;
  @ApiProperty() medium: number;
  @ApiProperty() low: number;
}

class PatternCountsView {
  @ApiProperty({ description: 'Issue patterns not resolved' }) open_total: number;
  @ApiProperty({ type: PriorityCountsView }) by_priority: PriorityCountsView;
}

class SloCountsView {
  @ApiProperty() has_policy: boolean;
  @ApiProperty() open_violations: number;
}

class ReadinessBriefView {
  @ApiProperty({ description: 'False until a checklist is saved' }) exists: boolean;
  @ApiProperty() pending_count: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) decision_snapshot: Record<string, unknown> | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updated_at: string | null;
}

export class DecisionRefView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['go', 'no_go', 'rollback'] }) decision: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: string;
}

export class AgentHealthView {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty() agent_name: string;
  @ApiProperty() agent_status: string;
  @ApiProperty({ type: LaunchGateView, description: 'The launch gate as GET /agents/{agent_id}/launch-gate answers it now' }) launch_gate: LaunchGateView;
  @ApiProperty({ type: RunPointView, nullable: true }) latest_completed_run: RunPointView | null;
  @ApiProperty({ type: PatternCountsView }) issue_patterns: PatternCountsView;
  @ApiProperty({ type: SloCountsView }) slo: SloCountsView;
  @ApiProperty({ type: ReadinessBriefView }) readiness: ReadinessBriefView;
  @ApiProperty({ type: DecisionRefView, nullable: true }) latest_decision: DecisionRefView | null;
  @ApiProperty({ format: 'date-time', type: String }) generated_at: string;
}

export class PortfolioQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pass', 'blocked'], description: 'Only agents in this posture (the roll-ups still cover the whole org)' })
  @OptionalField()
  @IsIn(['pass', 'blocked'])
  posture?: 'pass' | 'blocked';
}

class PostureView {
  @ApiProperty({ enum: ['pass', 'blocked'] }) status: string;
  @ApiProperty({ type: [String], description: 'Kinds of the blockers (empty when pass)' }) blocker_kinds: string[];
}

class PortfolioAgentView {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty() name: string;
  @ApiProperty() agent_status: string;
  @ApiProperty({ type: PostureView }) posture: PostureView;
  @ApiProperty({ type: DecisionRefView, nullable: true }) latest_decision: DecisionRefView | null;
  @ApiProperty({ type: RunPointView, nullable: true }) latest_completed_run: RunPointView | null;
  @ApiProperty() open_slo_violations: number;
  @ApiProperty() open_critical_patterns: number;
}

class PostureCountsView {
  @ApiProperty() pass: number;
  @ApiProperty() blocked: number;
}

class DecisionCountsView {
  @ApiProperty() go: number;
  @ApiProperty() no_go: number;
  @ApiProperty() rollback: number;
  @ApiProperty({ description: 'Agents without a launch decision' }) none: number;
}

class PortfolioRollupsView {
  @ApiProperty() agent_count: number;
  @ApiProperty({ type: PostureCountsView }) agents_by_posture: PostureCountsView;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Agents held back by each blocker kind' })
  blocked_by_kind: Record<string, number>;
  @ApiProperty({ type: DecisionCountsView }) agents_by_latest_decision: DecisionCountsView;
  @ApiProperty() open_slo_violations: number;
  @ApiProperty({ description: 'Critical issue patterns not resolved' }) open_critical_patterns: number;
  @ApiProperty() agents_with_completed_runs: number;
  @ApiProperty({ type: Number, nullable: true, description: "Mean of the agents' latest completed runs' pass rates" }) average_latest_pass_rate: number | null;
}

class PortfolioAgentsPage {
  @ApiProperty({ type: [PortfolioAgentView] }) items: PortfolioAgentView[];
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
  @ApiProperty() total: number;
}

export class PortfolioHealthView {
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'date-time', type: String }) generated_at: string;
  @ApiProperty({ type: PortfolioRollupsView }) rollups: PortfolioRollupsView;
  @ApiProperty({ type: PortfolioAgentsPage, description: 'Agents by name, paginated with limit and offset' }) agents: PortfolioAgentsPage;
}
