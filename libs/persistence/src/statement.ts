import { Sql } from './sql';

/**
 * One SQL statement built from parts: data-modifying CTEs contributed by several modules, with
 * their parameters numbered in one list. Several writes that must happen together then cost one
 * round trip, and a statement is atomic even without an explicit transaction.
 */
export class Statement {
  readonly values: unknown[] = [];
  private readonly ctes: string[] = [];

  /** A placeholder for `value`, e.g. `$3` (or `$3::jsonb` with a cast). */
  param(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast ? `$${this.values.length}::${cast}` : `$${this.values.length}`;
  }

  with(name: string, body: string): this {
    this.ctes.push(`${name} AS (\n${body}\n)`);
    return this;
  }

  text(finalQuery: string): string {
    return this.ctes.length === 0 ? finalQuery : `WITH ${this.ctes.join(',\n')}\n${finalQuery}`;
  }

  /** Runs the statement on `sql` (in the caller's transaction if it has one). */
  run<Row = Record<string, unknown>>(sql: Sql, finalQuery: string): Promise<Row[]> {
    return sql.query<Row>(this.text(finalQuery), this.values);
  }
}

/** `WHERE EXISTS (SELECT 1 FROM <cte>)` when a write must happen only if an earlier CTE produced a row. */
export function onlyIf(guard: string | undefined): string {
  return guard ? `WHERE EXISTS (SELECT 1 FROM ${guard})` : '';
}

/** The same condition, added to a WHERE clause that has others. */
export function andOnlyIf(guard: string | undefined): string {
  return guard ? `AND EXISTS (SELECT 1 FROM ${guard})` : '';
}
