import { collect, Page, paginate } from '../src/paginate';

function source(total: number) {
  const all = Array.from({ length: total }, (_, i) => i);
  const calls: { limit: number; offset: number }[] = [];
  const fetchPage = async ({ limit, offset }: { limit: number; offset: number }): Promise<Page<number>> => {
    calls.push({ limit, offset });
    return { items: all.slice(offset, offset + limit), limit, offset, total };
  };
  return { fetchPage, calls };
}

describe('paginate', () => {
  it('walks every page once, in order, and stops at total', async () => {
    const { fetchPage, calls } = source(7);
    expect(await collect(paginate(fetchPage, { limit: 3 }))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(calls).toEqual([
      { limit: 3, offset: 0 },
      { limit: 3, offset: 3 },
      { limit: 3, offset: 6 },
    ]);
  });

  it('starts at an offset and stops after maxItems without fetching more pages', async () => {
    const { fetchPage, calls } = source(100);
    expect(await collect(paginate(fetchPage, { limit: 10, offset: 5, maxItems: 12 }))).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(calls.map((c) => c.offset)).toEqual([5, 15]);
  });

  it('handles an empty list and a list that shrinks under it', async () => {
    expect(await collect(paginate(source(0).fetchPage))).toEqual([]);
    let served = 0;
    const shrinking = async ({ limit, offset }: { limit: number; offset: number }): Promise<Page<number>> => {
      served++;
      // claims 10 in total but has nothing past the first page: the walk must still end
      return { items: offset === 0 ? [1, 2] : [], limit, offset, total: 10 };
    };
    expect(await collect(paginate(shrinking, { limit: 2 }))).toEqual([1, 2]);
    expect(served).toBe(2);
  });
});
