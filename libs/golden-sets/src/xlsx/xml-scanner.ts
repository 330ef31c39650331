/**
 * An incremental scanner for the XML of workbook parts: it is fed text chunk by chunk and reports
 * tags and text as it finds them, so a part is never held whole. It knows only what spreadsheet XML
 * uses: elements, attributes, text, comments, processing instructions and CDATA. A document type
 * declaration is refused (workbooks have none, and entity declarations are a classic expansion bomb).
 */
import { GoldenSetFileError } from '../golden-set-file.types';

export interface XmlEvents {
  /** `name` without its namespace prefix; `attrs` is the raw attribute text (read it with `attr`). */
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Raw text with entities still encoded (see decodeXmlText); one text node may come in pieces. */
  text(raw: string): void;
}

/** A tag longer than this is not spreadsheet XML. */
const MAX_TAG_CHARS = 64 * 1024;

const malformed = (what: string) => new GoldenSetFileError('unreadable', `the xlsx file is corrupt (${what})`);

export class XmlScanner {
  private rest = '';

  /** `done`: asked after every tag; once true, the rest of the input is ignored. */
  constructor(
    private readonly on: XmlEvents,
    private readonly done?: () => boolean,
  ) {}

  get finished(): boolean {
    return this.done?.() === true;
  }

  write(chunk: string): void {
    const buf = this.rest.length ? this.rest + chunk : chunk;
    this.rest = '';
    const len = buf.length;
    let i = 0;
    while (i < len) {
      const lt = buf.indexOf('<', i);
      if (lt === -1) {
        this.trailingText(buf.slice(i));
        return;
      }
      if (lt > i) this.on.text(buf.slice(i, lt));
      if (lt + 1 >= len) {
        this.rest = buf.slice(lt);
        return;
      }
      const next = buf.charCodeAt(lt + 1);
      if (next === 0x3f /* ? */ || next === 0x21 /* ! */) {
        const after = this.special(buf, lt);
        if (after === -1) {
          this.keep(buf, lt);
          return;
        }
        i = after;
        continue;
      }
      // Find the closing '>' outside quoted attribute values.
      let j = lt + 1;
      let quote = 0;
      for (; j < len; j++) {
        const ch = buf.charCodeAt(j);
        if (quote) {
          if (ch === quote) quote = 0;
        } else if (ch === 0x3e /* > */) break;
        else if (ch === 0x22 || ch === 0x27) quote = ch;
      }
      if (j >= len) {
        this.keep(buf, lt);
        return;
      }
      this.tag(buf, lt, j);
      if (this.done?.()) return;
      i = j + 1;
    }
  }

  /** Called after the last chunk: anything left unfinished means the part was cut short. */
  end(): void {
    if (this.finished) return;
    if (this.rest.trim() !== '' && this.rest.startsWith('<')) throw malformed('a part ends in the middle of a tag');
    if (this.rest) this.on.text(this.rest);
    this.rest = '';
  }

  private keep(buf: string, from: number): void {
    if (buf.length - from > MAX_TAG_CHARS) throw malformed('a tag is far too long');
    this.rest = buf.slice(from);
  }

  /** Text up to the end of a chunk, minus an entity the chunk may have cut in two. */
  private trailingText(text: string): void {
    const amp = text.lastIndexOf('&');
    if (amp !== -1 && text.indexOf(';', amp) === -1 && text.length - amp < 12) {
      if (amp > 0) this.on.text(text.slice(0, amp));
      this.rest = text.slice(amp);
    } else {
      this.on.text(text);
    }
  }

  /** `<?...?>`, `<!--...-->`, `<![CDATA[...]]>`; returns where scanning resumes, -1 if the chunk ends first. */
  private special(buf: string, lt: number): number {
    if (buf.charCodeAt(lt + 1) === 0x3f) {
      const end = buf.indexOf('?>', lt + 2);
      return end === -1 ? -1 : end + 2;
    }
    if (buf.startsWith('<!--', lt)) {
      const end = buf.indexOf('-->', lt + 4);
      return end === -1 ? -1 : end + 3;
    }
    if (buf.length - lt < 9) return -1;
    if (buf.startsWith('<![CDATA[', lt)) {
      const end = buf.indexOf(']]>', lt + 9);
      if (end === -1) return -1;
      // Literal text: encode it so consumers decode every text the same way.
      this.on.text(
        buf
          .slice(lt + 9, end)
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;'),
      );
      return end + 3;
    }
    throw malformed('it declares a document type');
  }

  private tag(buf: string, lt: number, gt: number): void {
    const closing = buf.charCodeAt(lt + 1) === 0x2f; /* / */
    const selfClosing = !closing && buf.charCodeAt(gt - 1) === 0x2f;
    const nameStart = closing ? lt + 2 : lt + 1;
    let nameEnd = nameStart;
    let colon = -1;
    for (; nameEnd < gt; nameEnd++) {
      const ch = buf.charCodeAt(nameEnd);
      if (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09 || ch === 0x2f || ch === 0x3e) break;
      if (ch === 0x3a /* : */) colon = nameEnd;
    }
    if (nameEnd === nameStart || !isNameStart(buf.charCodeAt(nameStart))) throw malformed('a tag has no proper name');
    const name = buf.slice(colon === -1 ? nameStart : colon + 1, nameEnd);
    if (closing) this.on.close(name);
    else this.on.open(name, buf.slice(nameEnd, selfClosing ? gt - 1 : gt), selfClosing);
  }
}

/** Letters, '_' and ':' start a name; so does anything beyond ASCII. */
function isNameStart(ch: number): boolean {
  return (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || ch === 0x5f || ch === 0x3a || ch > 0x7f;
}

const attrPatterns = new Map<string, RegExp>();

/** The decoded value of attribute `name` (any namespace prefix) in a tag's raw attribute text. */
export function attr(attrs: string, name: string): string | undefined {
  let re = attrPatterns.get(name);
  if (!re) {
    re = new RegExp(`(?:^|\\s)(?:[\\w.-]+:)?${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
    attrPatterns.set(name, re);
  }
  const m = re.exec(attrs);
  if (!m) return undefined;
  return decodeEntities(m[1] ?? m[2]);
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, e: string) => {
    if (e[0] !== '#') return NAMED[e];
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Cell text as the user typed it: XML entities, then the `_xHHHH_` escapes spreadsheet programs
 * write for control characters (`_x000D_` is a carriage return; `_x005F_` escapes an underscore).
 */
export function decodeXmlText(raw: string): string {
  const s = decodeEntities(raw);
  if (s.indexOf('_x') === -1) return s;
  return s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
