import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from './sql';

/** The transaction a whole request runs in (see inUnitOfWork), and what waits for its commit. */
export interface AmbientTransaction {
  sql: Sql;
  afterCommit: (() => void)[];
  savepoints: number;
}

export const ambientTransactions = new AsyncLocalStorage<AmbientTransaction>();

export function ambientTransaction(): AmbientTransaction | undefined {
  return ambientTransactions.getStore();
}
