import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The one way code below the handlers talks to PostgreSQL: parameterised SQL, rows back. */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * The data source's bounded pg pool. Statements go to it directly: TypeORM keeps the pool,
 * the configuration and the migrations, and adds nothing on the hot paths.
 */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}

function sqlOfClient(client: PoolClient): Sql {
  return { query: async <Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as Row[] };
}

/** Outside a transaction: each statement runs on any connection of the pool. */
export function sqlOfPool(pool: Pool): Sql {
  return { query: async <Row>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as Row[] };
}

export function sqlOfDataSource(dataSource: DataSource): Sql {
  return sqlOfPool(poolOf(dataSource));
}

/**
 * A connection of its own from the pool. A checked-out pg client that loses its socket emits
 * 'error'; without a listener that would end the process, so the error is kept and the client
 * is destroyed, not reused, on release.
 */
export async function checkOut(pool: Pool): Promise<{ client: PoolClient; release: () => void }> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  return {
    client,
    release: () => {
      client.off('error', onError);
      client.release(lost);
    },
  };
}

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection and commits;
 * rolls back and rethrows on any error. `afterCommit` runs only once the commit succeeded.
 * The only transaction helper of the project.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (sql: Sql) => Promise<T>, afterCommit?: () => void): Promise<T> {
  const { client, release } = await checkOut(poolOf(dataSource));
  try {
    await client.query('BEGIN');
    const result = await work(sqlOfClient(client));
    await client.query('COMMIT');
    afterCommit?.();
    return result;
  } catch (error) {
    // A connection that cannot even roll back has lost its socket: checkOut's release destroys it.
    await client.query('ROLLBACK').catch(() => client.emit('error', new Error('rollback failed')));
    throw error;
  } finally {
    release();
  }
}

export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })?.driverError ?? (error as { code?: string; constraint?: string });
  return driverError?.code === UNIQUE_VIOLATION && (constraint === undefined || driverError.constraint === constraint);
}
