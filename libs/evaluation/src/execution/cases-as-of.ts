/** SQL condition selecting the cases of a run: `$asOf` is the run's cases_as_of. */
export const CASES_AS_OF_SQL = `c.created_at <= :asOf AND (c.superseded_at IS NULL OR c.superseded_at > :asOf)`;

/** CASES_AS_OF_SQL with a positional parameter, for plain queries. */
export function asOfSql(param: string): string {
  return CASES_AS_OF_SQL.replace(/:asOf\b/g, param);
}
