import { EndUserState } from '@app/end-users';
import { andOnlyIf, onlyIf, Sql, Statement } from '@app/persistence';

/**
 * A read table, defined once: the rows of each end-user stream as a pure function of its folded
 * state, and how those rows are written. The API writes them inline, in the statement of every
 * append (only the rows that append changed); a rebuild, its verification and `projections status`
 * write or compare rowsOf for every stream. Nothing else describes the table's contents.
 */
export interface StreamProjection {
  /** The name operators use (`--projection`). */
  name: string;
  table: string;
  /** Columns in table order; rowsOf gives each row's values in this order. */
  columns: readonly string[];
  /** The SQL type of each column. */
  types: readonly string[];
  /** The primary key column. */
  key: string;
  /** The column naming the end user a row belongs to. */
  endUserColumn: string;
  /**
   * A stored row is replaced only by a row with a greater value in this column (the stream
   * version), so a replayed or late write is a no-op. Without one, a row never changes once written.
   */
  versionColumn?: string;
  /** The rows of one stream: none for a stream that does not exist or was deleted. */
  rowsOf(state: EndUserState, streamVersion: number): unknown[][];
  /** Tables kept from this one's rows (per-platform counts), inline and after a rebuild. */
  derived?: DerivedTables;
}

export interface DerivedTables {
  /**
   * Adds the CTEs that account for an inline write: `written` (when present) returns each row
   * inserted or updated, with `inserted` true for a new one; `removed` returns each deleted row.
   */
  inline(statement: Statement, ctes: { written?: string; removed?: string }): void;
  /** Recomputes them from the table; runs in the transaction that swapped a rebuilt table in. */
  recompute(sql: Sql): Promise<void>;
  /** How many of their entries differ from a recomputation (0 when right); runs in the caller's transaction. */
  mismatches(sql: Sql): Promise<number>;
}

/** A stream's folded state at its version. */
export interface StreamAt {
  state: EndUserState;
  version: number;
}

/** What one append does to a projection: rows that are new or differ, and keys of rows that are gone. */
export interface RowChanges {
  upserts: unknown[][];
  removedKeys: unknown[];
}

/** The difference between rowsOf before and after an append: all an inline write has to do. */
export function rowChanges(projection: StreamProjection, before: StreamAt, after: StreamAt): RowChanges {
  const keyAt = projection.columns.indexOf(projection.key);
  const previous = new Map(projection.rowsOf(before.state, before.version).map((row) => [row[keyAt], JSON.stringify(row)]));
  const current = projection.rowsOf(after.state, after.version);
  const remaining = new Set(current.map((row) => row[keyAt]));
  return {
    upserts: current.filter((row) => previous.get(row[keyAt]) !== JSON.stringify(row)),
    removedKeys: [...previous.keys()].filter((key) => !remaining.has(key)),
  };
}

/**
 * Adds to `statement` the CTEs that carry out `changes` on the projection's table (and its derived
 * tables), only if `guard` (when given) produced a row. Upserts follow the projection's rule (newer
 * version wins, or first write stays), so writing the same changes twice changes nothing more.
 */
export function withRowChanges(statement: Statement, projection: StreamProjection, changes: RowChanges, guard?: string): void {
  const { table, key, columns } = projection;
  const ctes: { written?: string; removed?: string } = {};
  if (changes.removedKeys.length > 0) {
    ctes.removed = `${table}_removed`;
    const keyType = projection.types[columns.indexOf(key)];
    statement.with(
      ctes.removed,
      `DELETE FROM ${table} WHERE ${key} = ANY(${statement.param(changes.removedKeys, `${keyType}[]`)}) ${andOnlyIf(guard)} RETURNING ${table}.*`,
    );
  }
  if (changes.upserts.length > 0) {
    ctes.written = `${table}_written`;
    const version = projection.versionColumn;
    const onConflict = version
      ? `DO UPDATE SET ${columns
          .filter((column) => column !== key)
          .map((column) => `${column} = EXCLUDED.${column}`)
          .join(', ')} WHERE ${table}.${version} < EXCLUDED.${version}`
      : 'DO NOTHING';
    statement.with(
      ctes.written,
      `INSERT INTO ${table} (${columns.join(', ')})
       SELECT ${columns.join(', ')} FROM jsonb_to_recordset(${statement.param(recordsJson(projection, changes.upserts), 'jsonb')}) AS r(${recordType(projection)})
       ${onlyIf(guard)}
       ON CONFLICT (${key}) ${onConflict}
       RETURNING ${table}.*, (xmax = 0) AS inserted`,
    );
  }
  projection.derived?.inline(statement, ctes);
}

/** Rows as the JSON array of records that jsonb_to_recordset(…) AS r(recordType) reads back. */
export function recordsJson(projection: StreamProjection, rows: readonly unknown[][]): string {
  return JSON.stringify(rows.map((row) => Object.fromEntries(projection.columns.map((column, index) => [column, row[index]]))));
}

/** The column definition list of jsonb_to_recordset for the projection's rows. */
export function recordType(projection: StreamProjection): string {
  return projection.columns.map((column, index) => `${column} ${projection.types[index]}`).join(', ');
}
