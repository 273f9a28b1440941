import { DataSource } from 'typeorm';
import { connectionSettings, PoolSettings } from './connection-pool';
import { migrations } from './migrations';

/**
 * TypeORM's part here is the migrations: their data source, with the connection settings of the
 * process pool. Entities are not used; every table is reached through SQL (see Database).
 */
export function createMigrationDataSource(config: PoolSettings): DataSource {
  const { connectionString, application_name, ...extra } = connectionSettings({ ...config, DB_POOL_MAX: 1 }, 'end-users-migrate');
  return new DataSource({
    type: 'postgres',
    url: connectionString,
    applicationName: application_name,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTableName: 'schema_migrations',
    logging: false,
    poolSize: 1,
    extra,
  });
}
