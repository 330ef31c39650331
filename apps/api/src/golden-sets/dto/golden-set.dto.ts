import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { IsDisplayName, PageQuery, QueryBoolean, OptionalField, QueryNumber } from '@greenlight/http';

export class CaseInputDto {
  @ApiPropertyOptional({ description: 'Your own id of the case', maxLength: 200 }) external_id?: string;
  @ApiProperty({
    description: 'What is sent to the agent as `input`; at most GOLDEN_SET_MAX_INPUT_CHARS characters (default 20000)',
    example: 'How do I reset my password?',
  })
  input: string;
  @ApiPropertyOptional({ enum: ['answer', 'criteria'], description: 'Inferred from the fields when omitted' }) evaluation_mode?: string;
  @ApiPropertyOptional({
    description: 'Answer mode: the correct answer; at most GOLDEN_SET_MAX_EXPECTED_ANSWER_CHARS characters (default 20000)',
    example: 'Use the "Forgot password" link on the sign-in page.',
  })
  expected_answer?: string;
  @ApiPropertyOptional({ type: [String], description: 'Answer mode: sources the answer should cite' }) expected_sources?: string[];
  @ApiPropertyOptional({ description: 'Criteria mode: the rubric; at most GOLDEN_SET_MAX_CRITERIA_CHARS characters (default 10000)' }) criteria?: string;
  @ApiPropertyOptional({ type: [String], description: "Criteria mode: profile dimension keys to score (default: the profile's required ones)" })
  dimensions?: string[];
  @ApiPropertyOptional({ enum: ['easy', 'medium', 'hard'], default: 'medium' }) difficulty?: string;
  @ApiPropertyOptional({ enum: ['happy_path', 'edge_case', 'adversarial', 'regression'], default: 'happy_path' }) scenario_type?: string;
  @ApiPropertyOptional({ default: 'general' }) capability?: string;
  @ApiPropertyOptional({ type: [String] }) tags?: string[];
}

/** What both upload encodings say about the new golden set. */
export class NewGoldenSetDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  agent_id: string;

  @ApiProperty({ example: 'Support FAQ v1', maxLength: 200 })
  @IsDisplayName()
  name: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @OptionalField()
  @IsString()
  @MaxLength(5000)
  description?: string;
}

export class UploadGoldenSetDto extends NewGoldenSetDto {
  @ApiProperty({
    type: [CaseInputDto],
    description: 'Cases; each is validated (answer and criteria fields cannot be mixed). One invalid case stores nothing.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1_000_000)
  @IsObject({ each: true })
  cases: Record<string, unknown>[];
}

export class UploadGoldenSetFileDto extends NewGoldenSetDto {
  @ApiPropertyOptional({ enum: ['csv', 'jsonl', 'xlsx'], description: 'Default: from the file name or content type' })
  @OptionalField()
  @IsIn(['csv', 'jsonl', 'xlsx'])
  format?: 'csv' | 'jsonl' | 'xlsx';

  @ApiPropertyOptional({ example: 'faq.csv', maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  filename?: string;

  @ApiPropertyOptional({ description: 'The file, base64-encoded (JSON requests). Multipart requests send it as the `file` part instead.' })
  @OptionalField()
  @IsString()
  content_base64?: string;

  // Documents the multipart part; multer takes it out of the body, and a JSON `file` field is ignored.
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'multipart/form-data only: the file' })
  @Allow()
  file?: unknown;
}

export class GoldenSetCasesQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Include superseded cases' })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  include_inactive?: boolean;

  @ApiPropertyOptional({ enum: ['answer', 'criteria'] })
  @OptionalField()
  @IsIn(['answer', 'criteria'])
  evaluation_mode?: 'answer' | 'criteria';
}

export class VerifyCaseDto {
  @ApiPropertyOptional({ maxLength: 5000, example: 'Checked against the help center article.' })
  @OptionalField()
  @IsString()
  @MaxLength(5000)
  notes?: string;
}

export class SupersedeCaseDto {
  @ApiProperty({ type: CaseInputDto, description: 'The new version of the case' })
  @IsObject()
  case: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 5000 })
  @OptionalField()
  @IsString()
  @MaxLength(5000)
  notes?: string;
}

export class QualityGateQuery {
  @ApiPropertyOptional({ minimum: 0, maximum: 1_000_000, default: 1 })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  min_active_case_count: number = 1;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0 })
  @OptionalField()
  @QueryNumber()
  @IsNumber()
  @Min(0)
  @Max(1)
  min_verified_case_ratio: number = 0;
}

export class GoldenSetView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'Bumped when a case is superseded' }) version: number;
  @ApiProperty({ enum: ['json', 'csv', 'jsonl', 'xlsx'] }) source_format: string;
  @ApiProperty({ nullable: true, type: String }) source_filename: string | null;
  @ApiProperty({ description: 'Active cases' }) case_count: number;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}

export class FileRowIssueView {
  @ApiProperty({ description: 'Row number as seen in the file' }) row: number;
  @ApiProperty() field: string;
  @ApiProperty() message: string;
}

export class FileIngestReportView {
  @ApiProperty({ enum: ['csv', 'jsonl', 'xlsx'] }) format: string;
  @ApiProperty() total_rows: number;
  @ApiProperty() accepted_rows: number;
  @ApiProperty() rejected_rows: number;
  @ApiProperty({ type: [String] }) columns: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'file column → case field' }) column_mapping: Record<string, string>;
  @ApiProperty({ type: [String] }) ignored_columns: string[];
  @ApiProperty({ type: [FileRowIssueView] }) issues: FileRowIssueView[];
  @ApiProperty() issues_truncated: boolean;
}

export class GoldenSetUploadView {
  @ApiProperty({ type: GoldenSetView }) golden_set: GoldenSetView;
  @ApiProperty() case_count: number;
  @ApiProperty({ type: FileIngestReportView, nullable: true, description: 'File uploads only' }) validation_report: FileIngestReportView | null;
}

export class GoldenSetCaseView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) golden_set_id: string;
  @ApiProperty() position: number;
  @ApiProperty({ nullable: true, type: String }) external_id: string | null;
  @ApiProperty() input: string;
  @ApiProperty({ enum: ['answer', 'criteria'] }) evaluation_mode: string;
  @ApiProperty({ nullable: true, type: String }) expected_answer: string | null;
  @ApiProperty({ type: [String] }) expected_sources: string[];
  @ApiProperty({ nullable: true, type: String }) criteria: string | null;
  @ApiProperty({ type: [String] }) dimensions: string[];
  @ApiProperty({ enum: ['easy', 'medium', 'hard'] }) difficulty: string;
  @ApiProperty({ enum: ['happy_path', 'edge_case', 'adversarial', 'regression'] }) scenario_type: string;
  @ApiProperty() capability: string;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() version: number;
  @ApiProperty() is_active: boolean;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) superseded_by: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) superseded_at: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) verified_at: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_reviewed_at: Date | null;
  @ApiProperty({ nullable: true, type: String }) review_notes: string | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}

export class SupersedeResultView {
  @ApiProperty({ type: GoldenSetCaseView }) superseded: GoldenSetCaseView;
  @ApiProperty({ type: GoldenSetCaseView }) replacement: GoldenSetCaseView;
  @ApiProperty() golden_set_version: number;
}

export class CaseReviewView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) case_id: string;
  @ApiProperty({ format: 'uuid' }) golden_set_id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ enum: ['verified', 'superseded'] }) action: string;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) reviewer_key_id: string | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}

export class QualityGateBlockerView {
  @ApiProperty({ enum: ['min_active_case_count', 'min_verified_case_ratio'] }) rule: string;
  @ApiProperty() message: string;
  @ApiProperty() actual: number;
  @ApiProperty() required: number;
}

export class QualityGateThresholdsView {
  @ApiProperty() min_active_case_count: number;
  @ApiProperty() min_verified_case_ratio: number;
}

export class QualityGateStatusView {
  @ApiProperty({ format: 'uuid' }) golden_set_id: string;
  @ApiProperty() golden_set_version: number;
  @ApiProperty() active_case_count: number;
  @ApiProperty() verified_case_count: number;
  @ApiProperty() verified_case_ratio: number;
  @ApiProperty({ type: QualityGateThresholdsView }) thresholds: QualityGateThresholdsView;
  @ApiProperty() passed: boolean;
  @ApiProperty({ type: [QualityGateBlockerView] }) blockers: QualityGateBlockerView[];
}
