import { loadConfig } from '@app/config';
import { Database } from '@app/persistence';
import { createdPlatformKeyResponse, createPlatform, PlatformSettings } from '@app/platforms';

/** A small pool of its own for what a test checks directly in the database. */
export async function openTestDatabase(): Promise<Database> {
  return Database.connect({ ...loadConfig(), DB_POOL_MAX: 4 }, 'end-users-tests');
}

export interface TestPlatform {
  id: string;
  key: string;
  keyId: string;
}

/** A fresh platform with its first key, made the way the operator CLI makes one. */
export async function createTestPlatform(dataSource: Database, settings: PlatformSettings = {}, name = 'Test platform'): Promise<TestPlatform> {
  const { platform, key } = await dataSource.transaction((sql) => createPlatform(sql, name, settings));
  const response = createdPlatformKeyResponse(key);
  return { id: platform.id, key: response.raw_key, keyId: response.id };
}
