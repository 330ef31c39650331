import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { Actor } from '@greenlight/tenancy';
import { DomainError } from '@greenlight/platform';
import { caseTextLimits } from './case-text-limits';
import { FileParseThreads } from './file-parse-threads';
import { detectFormat, GoldenSetFileError, GoldenSetFileFormat } from './golden-set-file.parser';
import { GoldenSetsService, GoldenSetUploadView, NewGoldenSet } from './golden-sets.service';

export interface UploadedFile {
  content: Buffer;
  format?: GoldenSetFileFormat;
  filename?: string;
  content_type?: string;
}

const FILE_ERROR_CODES: Record<GoldenSetFileError['reason'], ErrorCode> = {
  too_large: ErrorCode.PAYLOAD_TOO_LARGE,
  too_many_rows: ErrorCode.VALIDATION_ERROR,
  empty: ErrorCode.GOLDEN_SET_FILE_VALIDATION_FAILED,
  missing_columns: ErrorCode.GOLDEN_SET_FILE_VALIDATION_FAILED,
  unreadable: ErrorCode.GOLDEN_SET_FILE_UNREADABLE,
  bad_encoding: ErrorCode.GOLDEN_SET_FILE_UNREADABLE,
};

/**
 * csv / jsonl / xlsx uploads: parse with limits in a worker thread (GOLDEN_SET_PARSE_CONCURRENCY at
 * once), report row issues, store the valid rows.
 */
@Injectable()
export class GoldenSetFileIngestService implements OnModuleDestroy {
  private readonly threads: FileParseThreads;

  constructor(
    private readonly goldenSets: GoldenSetsService,
    private readonly config: AppConfig,
  ) {
    this.threads = new FileParseThreads({ concurrency: config.get('GOLDEN_SET_PARSE_CONCURRENCY') });
  }

  async onModuleDestroy(): Promise<void> {
    await this.threads.close();
  }

  async upload(actor: Actor, meta: NewGoldenSet, file: UploadedFile): Promise<GoldenSetUploadView> {
    const format = file.format ?? detectFormat(file.filename, file.content_type);
    if (!format) {
      throw DomainError.validation('cannot tell the file format; give format (csv, jsonl or xlsx) or a file name with that extension', [
        { field: 'format', messages: ['is required when the file name has no csv, jsonl or xlsx extension'] },
      ]);
    }
    let parsed;
    try {
      parsed = await this.threads.parse(format, file.content, {
        max_bytes: this.config.get('GOLDEN_SET_MAX_FILE_BYTES'),
        max_rows: this.config.get('GOLDEN_SET_MAX_ROWS'),
        case_text: caseTextLimits(this.config),
      });
    } catch (err) {
      if (err instanceof GoldenSetFileError) {
        const e: GoldenSetFileError = err;
        throw new DomainError(FILE_ERROR_CODES[e.reason], e.message, { reason: e.reason, format, ...e.details });
      }
      throw err;
    }
    return this.goldenSets.uploadParsedFile(actor, meta, parsed, file.filename ?? null);
  }
}
