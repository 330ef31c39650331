/** The list shape of every paginated endpoint: `data.items`, `data.limit`, `data.offset`, `data.total`. */
export interface Page<T> {
  items: T[];
  limit: number;
  offset: number;
  total: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}
