import { DataSource, QueryRunner } from 'typeorm';

/** The one way code below the handlers talks to PostgreSQL: parameterised SQL on one connection. */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

function sqlOf(runner: QueryRunner): Sql {
  return { query: (text, params) => runner.query(text, params) };
}

/** Outside a transaction: each statement runs on any pooled connection. */
export function sqlOfDataSource(dataSource: DataSource): Sql {
  return { query: (text, params) => dataSource.query(text, params) };
}

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection and commits;
 * rolls back and rethrows on any error. `afterCommit` runs only once the commit succeeded.
 * The only transaction helper of the project.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (sql: Sql) => Promise<T>, afterCommit?: () => void): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    const result = await work(sqlOf(runner));
    await runner.commitTransaction();
    afterCommit?.();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })?.driverError ?? (error as { code?: string; constraint?: string });
  return driverError?.code === UNIQUE_VIOLATION && (constraint === undefined || driverError.constraint === constraint);
}
