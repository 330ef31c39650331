/**
 * Just enough of the zip format to read the parts of an xlsx workbook: the central directory, and
 * each part inflated as a stream. Sizes written in the archive are not trusted: the bytes actually
 * inflated are counted against one budget per workbook, and reading stops the moment it is spent.
 */
import { createInflateRaw } from 'node:zlib';
import { GoldenSetFileError } from '../golden-set-file.types';

export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  /** What the archive claims; only used to refuse early, never to size anything. */
  declaredSize: number;
  localHeaderOffset: number;
}

const CHUNK_BYTES = 64 * 1024;
const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

const corrupt = (what: string) => new GoldenSetFileError('unreadable', `the xlsx file is corrupt or truncated (${what})`);

/** Counts the bytes inflated from one workbook; refuses the upload once they pass the limit. */
export class InflateBudget {
  used = 0;

  constructor(readonly limit: number) {}

  spend(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limit) throw this.exceeded();
  }

  /** Refuses an entry whose honest header already says it cannot fit. */
  check(entry: ZipEntry): void {
    if (this.used + entry.declaredSize > this.limit) throw this.exceeded();
  }

  private exceeded(): GoldenSetFileError {
    return new GoldenSetFileError('too_large', `the workbook unpacks to more than ${this.limit} bytes, the most an upload may unpack to`, {
      max_unpacked_bytes: this.limit,
    });
  }
}

function u64(buf: Buffer, at: number): number {
  const n = buf.readBigUInt64LE(at);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('an impossible size or offset');
  return Number(n);
}

function findEndOfDirectory(buf: Buffer): number {
  for (let i = buf.length - 22, min = Math.max(0, buf.length - 22 - 0xffff); i >= min; i--) {
    if (buf.readUInt32LE(i) === EOCD) return i;
  }
  throw corrupt('its zip directory is missing');
}

/** Entries by lower-cased name (package part names are case-insensitive); the first of a name wins. */
export function readZipDirectory(buf: Buffer): Map<string, ZipEntry> {
  const eocd = findEndOfDirectory(buf);
  let count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  if ((count === 0xffff || offset === U32_MAX) && eocd >= 20 && buf.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) {
    const record = u64(buf, eocd - 20 + 8);
    if (record + 56 > buf.length || buf.readUInt32LE(record) !== ZIP64_EOCD) throw corrupt('its zip64 directory is missing');
    count = u64(buf, record + 32);
    offset = u64(buf, record + 48);
  }
  const entries = new Map<string, ZipEntry>();
  let p = offset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw corrupt('its zip directory is damaged');
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const next = p + 46 + nameLength + extraLength + buf.readUInt16LE(p + 32);
    if (next > buf.length) throw corrupt('its zip directory is damaged');
    const flags = buf.readUInt16LE(p + 8);
    const entry: ZipEntry = {
      name: buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength),
      flags,
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      declaredSize: buf.readUInt32LE(p + 24),
      localHeaderOffset: buf.readUInt32LE(p + 42),
    };
    readZip64Extra(buf, p + 46 + nameLength, extraLength, entry);
    const key = entry.name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
    if (!entries.has(key)) entries.set(key, entry);
    p = next;
  }
  return entries;
}

/** Sizes and offsets too big for 32 bits live in the zip64 extra field, in this order. */
function readZip64Extra(buf: Buffer, start: number, length: number, entry: ZipEntry): void {
  if (entry.declaredSize !== U32_MAX && entry.compressedSize !== U32_MAX && entry.localHeaderOffset !== U32_MAX) return;
  for (let q = start; q + 4 <= start + length;) {
    const id = buf.readUInt16LE(q);
    const size = buf.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      const take = () => {
        if (r + 8 > q + 4 + size) throw corrupt('a zip64 field is short');
        const v = u64(buf, r);
        r += 8;
        return v;
      };
      if (entry.declaredSize === U32_MAX) entry.declaredSize = take();
      if (entry.compressedSize === U32_MAX) entry.compressedSize = take();
      if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = take();
      return;
    }
    q += 4 + size;
  }
  throw corrupt('a zip64 field is missing');
}

function compressedData(buf: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== LOCAL) throw corrupt(`the part ${entry.name} cannot be found`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > buf.length) throw corrupt(`the part ${entry.name} is cut short`);
  return buf.subarray(start, end);
}

/**
 * The inflated bytes of one entry, chunk by chunk, each counted against `budget`. The consumer may
 * stop early (break or throw); the inflater is then released without reading the rest.
 */
export async function* entryChunks(buf: Buffer, entry: ZipEntry, budget: InflateBudget): AsyncGenerator<Buffer> {
  if (entry.flags & 0x1) throw new GoldenSetFileError('unreadable', 'the workbook is password-protected; save it without a password and upload it again');
  budget.check(entry);
  const data = compressedData(buf, entry);
  if (entry.method === 0) {
    for (let p = 0; p < data.length; p += CHUNK_BYTES) {
      const chunk = data.subarray(p, p + CHUNK_BYTES);
      budget.spend(chunk.length);
      yield chunk;
    }
    return;
  }
  if (entry.method !== 8) {
    throw new GoldenSetFileError(
      'unreadable',
      `the xlsx file uses a compression method this service does not read (${entry.method}); save it again from a spreadsheet program`,
    );
  }
  const inflater = createInflateRaw({ chunkSize: CHUNK_BYTES });
  inflater.end(data);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      budget.spend(chunk.length);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof GoldenSetFileError) throw err;
    throw corrupt(`the part ${entry.name} cannot be decompressed`);
  } finally {
    inflater.destroy();
  }
}
