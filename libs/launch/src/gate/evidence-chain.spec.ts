import { createHash } from 'node:crypto';
import { ChainLink, contentHash, GENESIS_HASH, rowHash, verifyChain } from './evidence-chain';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function chain(contents: Record<string, unknown>[]): ChainLink[] {
  const out: ChainLink[] = [];
  let prev = GENESIS_HASH;
  contents.forEach((content, i) => {
    const c = contentHash(content);
    const link = { id: `id-${i + 1}`, seq: i + 1, content, content_hash: c, prev_hash: prev, row_hash: rowHash(prev, c) };
    out.push(link);
    prev = link.row_hash;
  });
  return out;
}

const contents = () => [
  { seq: 1, decision: 'no_go', reason: 'not yet' },
  { seq: 2, decision: 'go', reason: 'green', score: 0.5 },
  { seq: 3, decision: 'rollback', reason: 'incident' },
];

describe('launch evidence chain', () => {
  it('hashes content as SHA-256 of its canonical JSON and links as SHA-256 of prev + content hash', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(contentHash({ b: 1, a: 'x' })).toBe(sha('{"a":"x","b":1}'));
    const c = contentHash({ a: 1 });
    expect(rowHash(GENESIS_HASH, c)).toBe(sha(`${'0'.repeat(64)}${c}`));
    // a fixed vector: the record hash of the empty object at genesis
    expect(rowHash(GENESIS_HASH, contentHash({}))).toBe(sha(`${'0'.repeat(64)}44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`));
  });

  it('a whole chain verifies; an empty one too', () => {
    expect(verifyChain(chain(contents()))).toEqual({ valid: true, checked: 3, first_broken: null });
    expect(verifyChain([])).toEqual({ valid: true, checked: 0, first_broken: null });
  });

  it('names the edited record', () => {
    const links = chain(contents());
    (links[1].content as Record<string, unknown>).reason = 'greener';
    expect(verifyChain(links)).toEqual({ valid: false, checked: 2, first_broken: { seq: 2, id: 'id-2', reason: 'content_hash_mismatch' } });
  });

  it('an edit with its hashes recomputed breaks the next link', () => {
    const links = chain(contents());
    (links[1].content as Record<string, unknown>).reason = 'greener';
    links[1].content_hash = contentHash(links[1].content);
    expect(verifyChain(links).first_broken).toEqual({ seq: 2, id: 'id-2', reason: 'row_hash_mismatch' });
    links[1].row_hash = rowHash(links[1].prev_hash, links[1].content_hash);
    expect(verifyChain(links).first_broken).toEqual({ seq: 3, id: 'id-3', reason: 'prev_hash_mismatch' });
  });

  it('a removed or reordered record is a seq gap', () => {
    const links = chain(contents());
    expect(verifyChain([links[0], links[2]]).first_broken).toEqual({ seq: 3, id: 'id-3', reason: 'seq_gap' });
    expect(verifyChain([links[1], links[0], links[2]]).first_broken).toEqual({ seq: 2, id: 'id-2', reason: 'seq_gap' });
    expect(verifyChain([{ ...links[0], prev_hash: 'f'.repeat(64) }]).first_broken?.reason).toBe('prev_hash_mismatch');
  });
});
