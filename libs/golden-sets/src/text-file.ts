/** What csv and jsonl share: the file must be UTF-8 text, and a bad byte is reported by line. */
import { GoldenSetFileError } from './golden-set-file.types';

export const isZip = (b: Buffer) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** Returns the file body without a UTF-8 BOM, after refusing encodings we cannot read as UTF-8. */
export function textBody(content: Buffer, format: 'csv' | 'jsonl'): Buffer {
  if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
    throw new GoldenSetFileError('bad_encoding', 'the file is UTF-16 encoded; save it as UTF-8 (in Excel: "CSV UTF-8") and upload it again', {
      detected_encoding: 'utf-16',
    });
  }
  if (isZip(content)) {
    throw new GoldenSetFileError('unreadable', `the file is a zip archive (probably an xlsx workbook), not ${format}`, { expected_format: format });
  }
  const body = content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf ? content.subarray(3) : content;
  // UTF-16 without a BOM is valid UTF-8 byte-wise (ASCII + NULs) and would surface as nonsense column names.
  // Such text is about half NULs; a stray NUL is left to the per-row validation.
  const probe = body.subarray(0, 4096);
  let nuls = 0;
  for (const byte of probe) if (byte === 0) nuls++;
  if (nuls > probe.length / 8) {
    throw new GoldenSetFileError('bad_encoding', 'the file contains NUL bytes, so it is probably UTF-16 or binary; save it as UTF-8 text', {
      detected_encoding: 'utf-16 or binary',
    });
  }
  return body;
}

/** The error for a body that is not UTF-8, naming the first line with a bad byte. */
export function badEncoding(body: Buffer): GoldenSetFileError {
  // A newline byte never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let start = 0;
  for (let line = 1; start <= body.length; line++) {
    const nl = body.indexOf(0x0a, start);
    const end = nl === -1 ? body.length : nl;
    try {
      decoder.decode(body.subarray(start, end));
    } catch {
      return new GoldenSetFileError(
        'bad_encoding',
        `the file is not valid UTF-8 (first bad byte on line ${line}); it was probably saved as Latin-1/Windows-1252 — save it as UTF-8 and upload it again`,
        { line },
      );
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  return new GoldenSetFileError('bad_encoding', 'the file is not valid UTF-8; save it as UTF-8 and upload it again');
}
