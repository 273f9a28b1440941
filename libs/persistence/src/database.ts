import type { Pool } from 'pg';
import { ambientTransaction, ambientTransactions, AmbientTransaction } from './ambient-transaction';
import { createPool, PoolSettings } from './connection-pool';
import { checkOut, CheckedOutConnection, isConnectionFailure, Sql, sqlOfClient, sqlOfPool } from './sql';

/**
 * The project's seam over PostgreSQL, injected wherever code reads or writes: statements on the
 * process's bounded pool, transactions, units of work and dedicated connections. Used as a `Sql`
 * itself, a statement runs on any pooled connection, or, inside a unit of work, in the unit's
 * transaction.
 */
export class Database implements Sql {
  /** Statements on any pooled connection, each its own transaction, even inside a unit of work. */
  readonly pooled: Sql;

  constructor(readonly pool: Pool) {
    this.pooled = sqlOfPool(pool);
  }

  static connect(config: PoolSettings, applicationName: string): Database {
    return new Database(createPool(config, applicationName));
  }

  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]> {
    return (ambientTransaction()?.sql ?? this.pooled).query<Row>(text, params);
  }

  /**
   * Runs `work` in one READ COMMITTED transaction on one pooled connection and commits; rolls back
   * and rethrows on any error. `afterCommit` runs only once the commit succeeded. Inside a unit of
   * work it is a savepoint of the unit's transaction instead (a failed attempt can be retried),
   * and `afterCommit` waits for the unit's commit.
   */
  transaction<T>(work: (sql: Sql) => Promise<T>, afterCommit?: () => void): Promise<T> {
    const ambient = ambientTransaction();
    if (ambient) return inSavepoint(ambient, work, afterCommit);
    return this.ownTransaction(work, afterCommit);
  }

  /**
   * Runs `work` and every statement issued under it through this Database in one transaction, so
   * that what the work wrote and what the caller records about it commit together (the idempotency
   * interceptor stores the response this way).
   */
  unitOfWork<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    if (ambientTransaction()) throw new Error('units of work do not nest');
    const onCommit: (() => void)[] = [];
    return this.ownTransaction(
      (sql) => ambientTransactions.run({ sql, afterCommit: onCommit, savepoints: 0 }, () => work(sql)),
      () => onCommit.forEach((callback) => callback()),
    );
  }

  /** A connection of its own (session state such as advisory locks, long reads); release it when done. */
  checkOut(): Promise<CheckedOutConnection> {
    return checkOut(this.pool);
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async ownTransaction<T>(work: (sql: Sql) => Promise<T>, afterCommit?: () => void): Promise<T> {
    const { client, release } = await checkOut(this.pool);
    try {
      await client.query('BEGIN');
      const result = await work(sqlOfClient(client));
      await client.query('COMMIT');
      afterCommit?.();
      return result;
    } catch (error) {
      // A dead connection is not asked to roll back (that would wait out another deadline): it is
      // destroyed, and the server rolls back when it notices. So is one that cannot even roll back.
      if (isConnectionFailure(error)) client.emit('error', error);
      else await client.query('ROLLBACK').catch(() => client.emit('error', new Error('rollback failed')));
      throw error;
    } finally {
      release();
    }
  }
}

/** Runs `callback` once the current transaction commits: now, outside a unit of work. */
export function afterCommit(callback: () => void): void {
  const ambient = ambientTransaction();
  if (ambient) ambient.afterCommit.push(callback);
  else callback();
}

async function inSavepoint<T>(ambient: AmbientTransaction, work: (sql: Sql) => Promise<T>, afterCommit?: () => void): Promise<T> {
  const savepoint = `nested_${++ambient.savepoints}`;
  await ambient.sql.query(`SAVEPOINT ${savepoint}`);
  try {
    const result = await work(ambient.sql);
    await ambient.sql.query(`RELEASE SAVEPOINT ${savepoint}`);
    if (afterCommit) ambient.afterCommit.push(afterCommit);
    return result;
  } catch (error) {
    // If even this fails the unit's connection is gone, and the unit fails on its next statement.
    await ambient.sql.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => undefined);
    throw error;
  }
}
