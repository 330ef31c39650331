/** What reading a golden-set file produces, its limits and its whole-file errors. */
import type { CaseInput, CaseTextLimits } from './case-input';

export type GoldenSetFileFormat = 'csv' | 'jsonl' | 'xlsx';

export interface FileRowIssue {
  /** 1-based as the user sees it: csv = line where the record starts (header is line 1), xlsx = sheet row, jsonl = line. */
  row: number;
  field: string;
  message: string;
}

export interface FileIngestReport {
  format: GoldenSetFileFormat;
  total_rows: number;
  accepted_rows: number;
  rejected_rows: number;
  columns: string[];
  column_mapping: Record<string, string>;
  ignored_columns: string[];
  issues: FileRowIssue[];
  issues_truncated: boolean;
}

export interface ParsedGoldenSetFile {
  cases: CaseInput[];
  report: FileIngestReport;
}

export interface FileParseLimits {
  max_bytes: number;
  max_rows: number;
  /** Longest input, expected answer and criteria; CASE_LIMITS when not given. */
  case_text?: CaseTextLimits;
}

export type GoldenSetFileErrorReason = 'too_large' | 'too_many_rows' | 'empty' | 'unreadable' | 'bad_encoding' | 'missing_columns';

export class GoldenSetFileError extends Error {
  override readonly name = 'GoldenSetFileError';

  constructor(
    readonly reason: GoldenSetFileErrorReason,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
