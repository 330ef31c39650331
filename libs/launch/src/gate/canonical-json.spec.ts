import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

const fromBits = (hex: string) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
};

describe('canonical JSON (RFC 8785)', () => {
  it('writes the example of RFC 8785 section 3.2.2 byte for byte', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalJson(JSON.parse(input))).toBe(expected);
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = String.raw`{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}`;
    // (JavaScript objects list integer-like keys first, so the order is checked on the text itself)
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalJson(JSON.parse(input))).toBe(expected);
  });

  it('writes numbers as ECMAScript does (RFC 8785 appendix B)', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555555', '333333333.3333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of vectors) expect([bits, canonicalJson(fromBits(bits))]).toEqual([bits, text]);
  });

  it('refuses what JSON cannot carry exactly', () => {
    for (const bad of [NaN, Infinity, -Infinity, { a: [1, NaN] }, 10n, () => 1, Symbol('s'), new Date('x')]) {
      expect(() => canonicalJson(bad)).toThrow(TypeError);
    }
  });

  it('has no whitespace, leaves out undefined members, writes dates as ISO text and nests deterministically', () => {
    const a = { b: [1, { z: true, a: null }], a: new Date('2026-01-02T03:04:05.678Z'), gone: undefined };
    const b = { a: '2026-01-02T03:04:05.678Z', b: [1, { a: null, z: true }] };
    expect(canonicalJson(a)).toBe('{"a":"2026-01-02T03:04:05.678Z","b":[1,{"a":null,"z":true}]}');
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('hashes to known SHA-256 values', () => {
    const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
    expect(sha(canonicalJson({}))).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(sha('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
