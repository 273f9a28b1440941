import { AppConfig } from '@app/config';
import { createMigrationDataSource } from './data-source';
import { ensureDatabaseExists } from './ensure-database';

/** Creates the database if needed and applies every pending migration, each in its own transaction. */
export async function migrate(config: AppConfig): Promise<string[]> {
  await ensureDatabaseExists(config.DATABASE_URL);
  const dataSource = createMigrationDataSource(config);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
