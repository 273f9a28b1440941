import { AppConfig } from '@app/config';
import { DataSource, DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';

/** Entities are not used: every table is reached through SQL, so the pool and statements stay visible. */
export function dataSourceOptions(
  config: Pick<AppConfig, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_STATEMENT_TIMEOUT_MS'>,
  applicationName: string,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTableName: 'schema_migrations',
    logging: false,
    poolSize: config.DB_POOL_MAX,
    applicationName,
    extra: {
      statement_timeout: config.DB_STATEMENT_TIMEOUT_MS || undefined,
      // The server enforces statement_timeout only for statements it receives: over a dead or
      // black-holed connection the client must give up by itself, a little later.
      query_timeout: config.DB_STATEMENT_TIMEOUT_MS ? config.DB_STATEMENT_TIMEOUT_MS + 1_000 : undefined,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      idleTimeoutMillis: 30_000,
    },
  };
}

export function createDataSource(config: Pick<AppConfig, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_STATEMENT_TIMEOUT_MS'>, applicationName: string): DataSource {
  return new DataSource(dataSourceOptions(config, applicationName));
}
