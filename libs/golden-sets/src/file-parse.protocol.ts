/** Messages between the api and the worker thread that reads one uploaded golden-set file. */
import type { CaseInput } from './case-input';
import type { FileIngestReport, FileParseLimits, GoldenSetFileErrorReason, GoldenSetFileFormat } from './golden-set-file.types';

export interface FileParseRequest {
  format: GoldenSetFileFormat;
  /** The file; its buffer is handed over to the thread, not copied. */
  content: Uint8Array;
  limits: FileParseLimits;
}

/** Cases come in batches; the thread sends the next one when the api asks for it (FILE_PARSE_NEXT). */
export const FILE_PARSE_BATCH = 1000;
export const FILE_PARSE_NEXT = 'next';

export type FileParseMessage =
  | { kind: 'cases'; cases: CaseInput[] }
  | { kind: 'done'; report: FileIngestReport }
  | { kind: 'refused'; reason: GoldenSetFileErrorReason; message: string; details: Record<string, unknown> }
  | { kind: 'failed'; message: string };
