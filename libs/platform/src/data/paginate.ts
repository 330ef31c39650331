import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Page, PageRequest } from '@greenlight/database';

/**
 * One page of a query: the rows at `offset`, at most `limit` of them, and the total the filters
 * match. The query's order must be total (end it with a unique column) so pages never overlap.
 */
export async function paginate<E extends ObjectLiteral, T = E>(qb: SelectQueryBuilder<E>, page: PageRequest, present?: (row: E) => T): Promise<Page<T>> {
  const [rows, total] = await qb.take(page.limit).skip(page.offset).getManyAndCount();
  return pageOf(present ? rows.map(present) : (rows as unknown as T[]), total, page);
}

/** The page envelope for rows fetched by hand-written SQL with their total. */
export function pageOf<T>(items: T[], total: number, page: PageRequest): Page<T> {
  return { items, limit: page.limit, offset: page.offset, total };
}
