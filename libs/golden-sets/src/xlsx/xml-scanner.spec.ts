import { GoldenSetFileError } from '../golden-set-file.types';
import { SharedStrings, TOO_LONG } from './shared-strings';
import { attr, decodeXmlText, XmlEvents, XmlScanner } from './xml-scanner';

/** The events of `doc` fed in the given pieces; consecutive text pieces merged. */
function events(pieces: string[]): string[] {
  const out: string[] = [];
  const on: XmlEvents = {
    open: (name, attrs, selfClosing) => out.push(`open ${name} [${attrs.trim()}]${selfClosing ? ' /' : ''}`),
    close: (name) => out.push(`close ${name}`),
    text: (raw) => {
      const last = out.length - 1;
      if (last >= 0 && out[last].startsWith('text ')) out[last] += raw;
      else out.push(`text ${raw}`);
    },
  };
  const scanner = new XmlScanner(on);
  for (const p of pieces) scanner.write(p);
  scanner.end();
  return out;
}

const DOC =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<x:sst xmlns:x="urn:x" count=\'2\'><!-- a comment with <tags> -->' +
  '<x:si><x:t xml:space="preserve"> a &amp; b &#x1F600; </x:t></x:si><x:si><x:r><x:t>c</x:t></x:r><![CDATA[<raw> & text]]></x:si>' +
  '<empty/><q a="1 > 0" b=\'"\'>t</q></x:sst>';

describe('XmlScanner', () => {
  const whole = events([DOC]);

  it('reports tags without prefixes, raw attributes, and text with its entities', () => {
    expect(whole).toEqual([
      'text \n',
      'open sst [xmlns:x="urn:x" count=\'2\']',
      'open si []',
      'open t [xml:space="preserve"]',
      'text  a &amp; b &#x1F600; ',
      'close t',
      'close si',
      'open si []',
      'open r []',
      'open t []',
      'text c',
      'close t',
      'close r',
      'text &lt;raw> &amp; text',
      'close si',
      'open empty [] /',
      'open q [a="1 > 0" b=\'"\']',
      'text t',
      'close q',
      'close sst',
    ]);
  });

  it('reports the same events however the input is cut into chunks', () => {
    for (let cut = 1; cut < DOC.length; cut++) expect(events([DOC.slice(0, cut), DOC.slice(cut)])).toEqual(whole);
    expect(events(DOC.split(''))).toEqual(whole);
  });

  it('refuses a document type declaration, a nameless tag, an endless tag and a part cut inside a tag', () => {
    const refused = (pieces: string[]) => {
      let err: unknown;
      try {
        events(pieces);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GoldenSetFileError);
      return (err as GoldenSetFileError).message;
    };
    expect(refused(['<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a/>'])).toMatch(/document type/);
    expect(refused(['<a><<<b></a>'])).toMatch(/proper name/);
    expect(refused(['<a x="', 'y'.repeat(70_000)])).toMatch(/too long/);
    expect(refused(['<a><b x="1"'])).toMatch(/middle of a tag/);
  });

  it('can stop after any tag', () => {
    const seen: string[] = [];
    const scanner = new XmlScanner({ open: (n) => seen.push(n), close: () => undefined, text: () => undefined }, () => seen.includes('stop'));
    scanner.write('<a><stop/><after/><<<garbage');
    scanner.end();
    expect(seen).toEqual(['a', 'stop']);
  });
});

describe('attr and decodeXmlText', () => {
  it('reads attributes by local name, in either quotes, decoding entities', () => {
    const attrs = ' name="Q&amp;A" sheetId="3" r:id=\'rId7\' s = "2"';
    expect(attr(attrs, 'name')).toBe('Q&A');
    expect(attr(attrs, 'id')).toBe('rId7');
    expect(attr(attrs, 'sheetId')).toBe('3');
    expect(attr(attrs, 's')).toBe('2');
    expect(attr(attrs, 'r')).toBeUndefined();
  });

  it('decodes entities and the _xHHHH_ escapes of spreadsheet text', () => {
    expect(decodeXmlText('a &lt;&gt;&quot;&apos;&amp;lt; &#233;&#x1F600; &bogus;')).toBe('a <>"\'&lt; é😀 &bogus;');
    expect(decodeXmlText('one_x000D__x000A_two _x005F_x0041_')).toBe('one\r\ntwo _x0041_');
  });
});

describe('SharedStrings', () => {
  it('gives back every string, including ones spanning its 1 MiB pages and multi-byte text', () => {
    const table = new SharedStrings();
    const values = ['', 'plain', 'é'.repeat(700_000), '日本語🙂'.repeat(100_000), 'x'];
    for (const v of values) table.add(v);
    table.add(TOO_LONG);
    values.forEach((v, i) => expect(table.get(i)).toBe(v));
    expect(table.get(values.length)).toBe(TOO_LONG);
    expect(table.get(values.length + 1)).toBeUndefined();
    expect(table.get(-1)).toBeUndefined();
    expect(table.count).toBe(values.length + 1);
  });
});
