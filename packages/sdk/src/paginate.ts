/** One page of a list endpoint: `data` of every Greenlight list answer. */
export interface Page<T> {
  items: T[];
  limit: number;
  offset: number;
  total: number;
}

export interface PaginateOptions {
  /** Page size asked for (the API allows 1-200). Default 100. */
  limit?: number;
  /** Where to start. Default 0. */
  offset?: number;
  /** Stop after this many items. */
  maxItems?: number;
}

/**
 * Every item of a list, page by page: asks for `limit` items at `offset`, then at `offset + items`,
 * until the page is empty or `total` is reached. Items added while iterating may shift pages (lists
 * are offset-based): for a stable walk, filter on something that does not change.
 */
export async function* paginate<T>(
  fetchPage: (page: { limit: number; offset: number }) => Promise<Page<T>>,
  options: PaginateOptions = {},
): AsyncGenerator<T, void, undefined> {
  const limit = options.limit ?? 100;
  let offset = options.offset ?? 0;
  let yielded = 0;
  const max = options.maxItems ?? Infinity;
  while (yielded < max) {
    const page = await fetchPage({ limit, offset });
    for (const item of page.items) {
      if (yielded >= max) return;
      yield item;
      yielded++;
    }
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return;
  }
}

/** All items of a paginated list in one array (mind `maxItems` on large lists). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
