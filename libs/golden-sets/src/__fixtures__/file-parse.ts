// What the golden-set file specs share: default limits, a parse call over text or bytes, the expected
// file error, and workbooks written by a spreadsheet library (so our reader meets real-world files).
import { Workbook } from 'exceljs';
import { FileParseLimits, GoldenSetFileError, GoldenSetFileFormat, parseGoldenSetFile } from '../golden-set-file.parser';

export const MiB = 1024 * 1024;
export const LIMITS: FileParseLimits = { max_bytes: 10 * MiB, max_rows: 50_000 };

export const parse = (format: GoldenSetFileFormat, content: Buffer | string, limits: FileParseLimits = LIMITS) =>
  parseGoldenSetFile(format, typeof content === 'string' ? Buffer.from(content, 'utf8') : content, limits);

/** Awaits `promise`, expecting it to fail with a GoldenSetFileError of `reason`; returns the error. */
export async function fileError(promise: Promise<unknown>, reason: GoldenSetFileError['reason']): Promise<GoldenSetFileError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GoldenSetFileError);
  expect((err as GoldenSetFileError).reason).toBe(reason);
  return err as GoldenSetFileError;
}

/** An xlsx file built by `build`. */
export async function xlsx(build: (wb: Workbook) => void): Promise<Buffer> {
  const wb = new Workbook();
  build(wb);
  return Buffer.from((await wb.xlsx.writeBuffer()) as ArrayBuffer);
}
