import type { AppConfig } from '@app/config';
import { Pool, PoolConfig } from 'pg';

export type PoolSettings = Pick<AppConfig, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_STATEMENT_TIMEOUT_MS'>;

/** The settings of every pg connection this project opens: the process's pool and the migrations' data source. */
export function connectionSettings(config: PoolSettings, applicationName: string): PoolConfig {
  return {
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_MAX,
    application_name: applicationName,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS || undefined,
    // The server enforces statement_timeout only for statements it receives: over a dead or
    // black-holed connection the client must give up by itself, a little later.
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS ? config.DB_STATEMENT_TIMEOUT_MS + 1_000 : undefined,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
  };
}

/**
 * The process's one bounded pool. An idle pooled client whose socket fails emits 'error' on the
 * pool; without a listener that would end the process, and pg already drops that client.
 */
export function createPool(config: PoolSettings, applicationName: string): Pool {
  const pool = new Pool(connectionSettings(config, applicationName));
  pool.on('error', () => undefined);
  return pool;
}
