import { DataSource } from 'typeorm';
import { ambientTransaction, ambientTransactions, AmbientTransaction } from './ambient-transaction';
import { checkOut, isConnectionFailure, poolOf, Sql, sqlOfClient } from './sql';

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection and commits;
 * rolls back and rethrows on any error. `afterCommit` runs only once the commit succeeded.
 * Inside a unit of work it is a savepoint of the unit's transaction instead (a failed attempt can
 * be retried), and `afterCommit` waits for the unit's commit.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (sql: Sql) => Promise<T>, afterCommit?: () => void): Promise<T> {
  const ambient = ambientTransaction();
  if (ambient) return inSavepoint(ambient, work, afterCommit);
  return inOwnTransaction(dataSource, work, afterCommit);
}

/**
 * Runs `work` and every statement issued under it through sqlOfDataSource or inTransaction in one
 * transaction, so that what the work wrote and what the caller records about it commit together
 * (the idempotency interceptor stores the response this way).
 */
export function inUnitOfWork<T>(dataSource: DataSource, work: (sql: Sql) => Promise<T>): Promise<T> {
  if (ambientTransaction()) throw new Error('units of work do not nest');
  const onCommit: (() => void)[] = [];
  return inOwnTransaction(
    dataSource,
    (sql) => ambientTransactions.run({ sql, afterCommit: onCommit, savepoints: 0 }, () => work(sql)),
    () => onCommit.forEach((callback) => callback()),
  );
}

/** Runs `callback` once the current transaction commits: now, outside a unit of work. */
export function afterCommit(callback: () => void): void {
  const ambient = ambientTransaction();
  if (ambient) ambient.afterCommit.push(callback);
  else callback();
}

async function inOwnTransaction<T>(dataSource: DataSource, work: (sql: Sql) => Promise<T>, afterCommit?: () => void): Promise<T> {
  const { client, release } = await checkOut(poolOf(dataSource));
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
