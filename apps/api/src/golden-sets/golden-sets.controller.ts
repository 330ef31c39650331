import { Body, Controller, Get, Param, Patch, Post, Query, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { GoldenSetFileIngestService, GoldenSetsService } from '@greenlight/golden-sets';
import { DomainError } from '@greenlight/platform';
import { ApiEnvelope, ApiErrors, PageQuery, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import {
  CaseReviewView,
  GoldenSetCasesQuery,
  GoldenSetCaseView,
  GoldenSetUploadView,
  GoldenSetView,
  QualityGateQuery,
  QualityGateStatusView,
  SupersedeCaseDto,
  SupersedeResultView,
  UploadGoldenSetDto,
  UploadGoldenSetFileDto,
  VerifyCaseDto,
} from './dto/golden-set.dto';

export const GOLDEN_SET_UPLOAD_PATHS = ['/api/v1/golden-sets/upload', '/api/v1/golden-sets/upload-file'];
export const GOLDEN_SET_MULTIPART_PATHS = ['/api/v1/golden-sets/upload-file'];

interface MulterFile {
  buffer: Buffer;
  originalname: string;
  mimetype: string;
  size: number;
}

@ApiTags('Golden Sets')
@Controller('api/v1')
export class GoldenSetsController {
  constructor(
    private readonly goldenSets: GoldenSetsService,
    private readonly files: GoldenSetFileIngestService,
  ) {}

  @Post('golden-sets/upload')
  @Auth('member')
  @ApiOperation({
    summary: 'Upload a golden set as canonical JSON (all cases valid, one transaction)',
    description:
      'The canonical, typed form: text fields are strings, expected_sources/dimensions/tags are arrays of strings, ' +
      'evaluation_mode/difficulty/scenario_type hold exactly one of their values; null, blank values and blank list items are ' +
      'refused (omit a field instead). input, expected_answer and criteria have length limits (GOLDEN_SET_MAX_INPUT_CHARS, ' +
      'GOLDEN_SET_MAX_EXPECTED_ANSWER_CHARS, GOLDEN_SET_MAX_CRITERIA_CHARS). Any invalid case → 400 VALIDATION_ERROR with a ' +
      'detail per case and field (`cases.3.input`); nothing is stored.',
  })
  @ApiBody({
    type: UploadGoldenSetDto,
    examples: {
      answer_mode: {
        summary: 'Answer-mode cases',
        value: {
          agent_id: '7f0c2b7e-1111-4d2a-9c1e-2f6b7d1a0001',
          name: 'Support FAQ v1',
          cases: [
            {
              input: 'How do I reset my password?',
              expected_answer: 'Use the "Forgot password" link on the sign-in page.',
              expected_sources: ['https://help.example.com/reset-password'],
              difficulty: 'easy',
            },
            { input: 'Summarise the refund policy', criteria: 'Mentions the 30-day window and the receipt requirement', dimensions: ['relevance'] },
          ],
        },
      },
    },
  })
  @ApiEnvelope(GoldenSetUploadView, { status: 201 })
  upload(@CurrentActor() actor: Actor, @Body() body: UploadGoldenSetDto) {
    return this.goldenSets.uploadJson(actor, { agent_id: body.agent_id, name: body.name, description: body.description }, body.cases);
  }

  @Post('golden-sets/upload-file')
  @Auth('member')
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOperation({
    summary: 'Upload a golden set file (csv, jsonl, xlsx): base64 in JSON, or multipart with a `file` part',
    description:
      'Column names are matched case-insensitively with aliases (question/prompt → input, answer/expected → expected_answer, ' +
      'sources/citations → expected_sources, rubric → criteria, ...). Missing taxonomy fields get defaults. Cells are converted ' +
      'the way files hold them, unlike the typed JSON upload: numbers, booleans and dates become text, a list cell may be ' +
      '"a; b | c" (or line breaks) or a JSON array, enum values match case-insensitively with spaces or dashes for underscores, ' +
      'and empty cells count as absent. Each row is validated (same text limits as the JSON upload); valid rows are stored and ' +
      'the report lists the rejected ones. No valid row → GOLDEN_SET_FILE_VALIDATION_FAILED. xlsx: the first worksheet, read as ' +
      'a stream; a workbook unpacking to more than 10 × GOLDEN_SET_MAX_FILE_BYTES (at least 32 MB), counted as it inflates, ' +
      'is 413 PAYLOAD_TOO_LARGE; more than GOLDEN_SET_MAX_ROWS data rows is 400 VALIDATION_ERROR; a damaged file is ' +
      'GOLDEN_SET_FILE_UNREADABLE.',
  })
  @ApiBody({
    type: UploadGoldenSetFileDto,
    description: 'JSON with content_base64, or multipart/form-data with the same fields and the file as the `file` part',
    examples: {
      csv_base64: {
        summary: 'A CSV file, base64-encoded',
        value: {
          agent_id: '7f0c2b7e-1111-4d2a-9c1e-2f6b7d1a0001',
          name: 'Support FAQ (csv)',
          filename: 'faq.csv',
          content_base64: Buffer.from('question,answer\nHow do I reset my password?,Use the Forgot password link\n').toString('base64'),
        },
      },
    },
  })
  @ApiEnvelope(GoldenSetUploadView, { status: 201 })
  @ApiErrors({
    413: 'PAYLOAD_TOO_LARGE: the file (or the JSON body carrying it) is larger than GOLDEN_SET_MAX_FILE_BYTES allows, or an xlsx workbook unpacks to more than 10 × GOLDEN_SET_MAX_FILE_BYTES',
    422: 'GOLDEN_SET_FILE_VALIDATION_FAILED: the file is empty, lacks the required columns, or has no valid row; nothing was stored (details.validation_report when rows were read)',
  })
  uploadFile(@CurrentActor() actor: Actor, @Body() body: UploadGoldenSetFileDto, @UploadedFile() file?: MulterFile) {
    let content: Buffer;
    if (file) {
      content = file.buffer;
    } else if (body.content_base64 !== undefined) {
      const b64 = body.content_base64.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) {
        throw DomainError.validation('content_base64 is not valid base64', [{ field: 'content_base64', messages: ['must be base64'] }]);
      }
      content = Buffer.from(b64, 'base64');
    } else {
      throw DomainError.validation('send the file as content_base64 (JSON) or as a multipart `file` part', [
        { field: 'content_base64', messages: ['is required when no multipart file is sent'] },
      ]);
    }
    return this.files.upload(
      actor,
      { agent_id: body.agent_id, name: body.name, description: body.description },
      { content, format: body.format, filename: body.filename ?? file?.originalname, content_type: file?.mimetype },
    );
  }

  @Get('agents/:agent_id/golden-sets')
  @Auth('viewer')
  @ApiOperation({ summary: "An agent's golden sets with their active case counts" })
  @ApiEnvelope(GoldenSetView, { paginated: true })
  listForAgent(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() page: PageQuery) {
    return this.goldenSets.listForAgent(actor, agentId, page);
  }

  @Get('golden-sets/:golden_set_id')
  @Auth('viewer')
  @ApiOperation({ summary: 'Get a golden set' })
  @ApiEnvelope(GoldenSetView)
  get(@CurrentActor() actor: Actor, @Param('golden_set_id', UuidParamPipe) id: string) {
    return this.goldenSets.get(actor, id);
  }

  @Get('golden-sets/:golden_set_id/cases')
  @Auth('viewer')
  @ApiOperation({ summary: 'Cases of a golden set (active only unless include_inactive)' })
  @ApiEnvelope(GoldenSetCaseView, { paginated: true })
  cases(@CurrentActor() actor: Actor, @Param('golden_set_id', UuidParamPipe) id: string, @Query() query: GoldenSetCasesQuery) {
    const { limit, offset, ...filter } = query;
    return this.goldenSets.listCases(actor, id, filter, { limit, offset });
  }

  @Patch('golden-sets/:golden_set_id/cases/:case_id/verify')
  @Auth('member')
  @ApiOperation({ summary: 'Mark a case as reviewed and correct' })
  @ApiEnvelope(GoldenSetCaseView)
  @ApiErrors({
    409: 'GOLDEN_SET_CASE_NOT_ACTIVE: the case was superseded; only active cases can be verified',
  })
  verify(
    @CurrentActor() actor: Actor,
    @Param('golden_set_id', UuidParamPipe) id: string,
    @Param('case_id', UuidParamPipe) caseId: string,
    @Body() body: VerifyCaseDto,
  ) {
    return this.goldenSets.verifyCase(actor, id, caseId, body.notes ?? null);
  }

  @Post('golden-sets/:golden_set_id/cases/:case_id/supersede')
  @Auth('member')
  @ApiOperation({ summary: 'Replace a case by a new version; the old one is kept for the runs that used it' })
  @ApiEnvelope(SupersedeResultView, { status: 201 })
  @ApiErrors({
    409: 'GOLDEN_SET_CASE_NOT_ACTIVE: the case was already superseded (details.superseded_by)',
  })
  supersede(
    @CurrentActor() actor: Actor,
    @Param('golden_set_id', UuidParamPipe) id: string,
    @Param('case_id', UuidParamPipe) caseId: string,
    @Body() body: SupersedeCaseDto,
  ) {
    return this.goldenSets.supersedeCase(actor, id, caseId, body.case, body.notes ?? null);
  }

  @Get('golden-sets/:golden_set_id/cases/:case_id/reviews')
  @Auth('viewer')
  @ApiOperation({ summary: 'Review trail of a case (verifications, supersessions)' })
  @ApiEnvelope(CaseReviewView, { paginated: true })
  reviews(
    @CurrentActor() actor: Actor,
    @Param('golden_set_id', UuidParamPipe) id: string,
    @Param('case_id', UuidParamPipe) caseId: string,
    @Query() page: PageQuery,
  ) {
    return this.goldenSets.reviews(actor, id, caseId, page);
  }

  @Get('golden-sets/:golden_set_id/quality-gate-status')
  @Auth('viewer')
  @ApiOperation({ summary: 'Golden set quality gate: enough active cases, enough of them verified' })
  @ApiEnvelope(QualityGateStatusView)
  qualityGate(@CurrentActor() actor: Actor, @Param('golden_set_id', UuidParamPipe) id: string, @Query() q: QualityGateQuery) {
    return this.goldenSets.qualityGateStatus(actor, id, { min_active_case_count: q.min_active_case_count, min_verified_case_ratio: q.min_verified_case_ratio });
  }
}
