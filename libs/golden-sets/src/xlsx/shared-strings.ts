/**
 * The workbook's shared string table, kept compact: the strings' UTF-8 bytes one after another in
 * fixed pages, plus one end offset per string. A table of millions of tiny strings then costs about
 * its own size instead of a JS string object per entry.
 */
import { decodeXmlText, XmlEvents } from './xml-scanner';

const PAGE_BYTES = 1024 * 1024;

/** A cell whose text is longer than any field may be: never held, only reported. */
export const TOO_LONG = Symbol('too long');

export class SharedStrings {
  private readonly pages: Buffer[] = [];
  private ends = new Uint32Array(1024);
  private readonly tooLong = new Set<number>();
  private size = 0;
  private bytes = 0;

  get count(): number {
    return this.size;
  }

  add(value: string | typeof TOO_LONG): void {
    if (this.size === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    if (value === TOO_LONG) {
      this.tooLong.add(this.size);
    } else if (value.length > 0) {
      const encoded = Buffer.from(value, 'utf8');
      for (let done = 0; done < encoded.length;) {
        const page = Math.floor(this.bytes / PAGE_BYTES);
        if (page === this.pages.length) this.pages.push(Buffer.allocUnsafe(PAGE_BYTES));
        const at = this.bytes % PAGE_BYTES;
        const n = encoded.copy(this.pages[page], at, done, done + Math.min(encoded.length - done, PAGE_BYTES - at));
        done += n;
        this.bytes += n;
      }
    }
    this.ends[this.size++] = this.bytes;
  }

  /** The string at `index`; undefined when the table has no such entry. */
  get(index: number): string | typeof TOO_LONG | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
    if (this.tooLong.has(index)) return TOO_LONG;
    const start = index === 0 ? 0 : this.ends[index - 1];
    const end = this.ends[index];
    if (start === end) return '';
    const first = Math.floor(start / PAGE_BYTES);
    const last = Math.floor((end - 1) / PAGE_BYTES);
    if (first === last) return this.pages[first].toString('utf8', start % PAGE_BYTES, (start % PAGE_BYTES) + (end - start));
    const parts: Buffer[] = [];
    for (let page = first; page <= last; page++) {
      const from = page === first ? start % PAGE_BYTES : 0;
      const to = page === last ? ((end - 1) % PAGE_BYTES) + 1 : PAGE_BYTES;
      parts.push(this.pages[page].subarray(from, to));
    }
    return Buffer.concat(parts).toString('utf8');
  }
}

/**
 * Collects the text of a rich or plain string element (`<si>` of the table, `<is>` of an inline
 * string): every `<t>` except those of phonetic runs (`<rPh>`), up to `maxChars`.
 */
export class StringCollector {
  private parts: string[] = [];
  private rawLength = 0;
  private phonetic = 0;
  private inText = false;
  overflow = false;

  constructor(private readonly maxChars: number) {}

  reset(): void {
    this.parts = [];
    this.rawLength = 0;
    this.phonetic = 0;
    this.inText = false;
    this.overflow = false;
  }

  open(name: string, selfClosing: boolean): void {
    if (name === 'rPh' && !selfClosing) this.phonetic++;
    else if (name === 't' && !selfClosing && this.phonetic === 0) this.inText = true;
  }

  close(name: string): void {
    if (name === 'rPh') this.phonetic = Math.max(0, this.phonetic - 1);
    else if (name === 't') this.inText = false;
  }

  text(raw: string): void {
    if (!this.inText || this.overflow) return;
    // Encoded text is at least as long as the decoded one; allow for entities before giving up.
    this.rawLength += raw.length;
    if (this.rawLength > this.maxChars * 8) {
      this.overflow = true;
      this.parts = [];
      return;
    }
    this.parts.push(raw);
  }

  value(): string | typeof TOO_LONG {
    if (this.overflow) return TOO_LONG;
    const text = decodeXmlText(this.parts.length === 1 ? this.parts[0] : this.parts.join(''));
    return text.length > this.maxChars ? TOO_LONG : text;
  }
}

/** Reads `xl/sharedStrings.xml` into a SharedStrings table. */
export class SharedStringsReader implements XmlEvents {
  readonly table = new SharedStrings();
  private readonly item: StringCollector;
  private inItem = false;

  constructor(maxChars: number) {
    this.item = new StringCollector(maxChars);
  }

  open(name: string, _attrs: string, selfClosing: boolean): void {
    if (name === 'si') {
      this.item.reset();
      if (selfClosing) this.table.add('');
      else this.inItem = true;
    } else if (this.inItem) {
      this.item.open(name, selfClosing);
    }
  }

  close(name: string): void {
    if (!this.inItem) return;
    if (name === 'si') {
      this.table.add(this.item.value());
      this.inItem = false;
    } else {
      this.item.close(name);
    }
  }

  text(raw: string): void {
    if (this.inItem) this.item.text(raw);
  }
}
