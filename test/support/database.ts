import { loadConfig } from '@app/config';
import { createDataSource, inTransaction } from '@app/persistence';
import { createdPlatformKeyResponse, createPlatform, PlatformSettings } from '@app/platforms';
import { DataSource } from 'typeorm';

/** A small pool of its own for what a test checks directly in the database. */
export async function openTestDataSource(): Promise<DataSource> {
  return createDataSource({ ...loadConfig(), DB_POOL_MAX: 4 }, 'end-users-tests').initialize();
}

export interface TestPlatform {
  id: string;
  key: string;
  keyId: string;
}

/** A fresh platform with its first key, made the way the operator CLI makes one. */
export async function createTestPlatform(dataSource: DataSource, settings: PlatformSettings = {}, name = 'Test platform'): Promise<TestPlatform> {
  const { platform, key } = await inTransaction(dataSource, (sql) => createPlatform(sql, name, settings));
  const response = createdPlatformKeyResponse(key);
  return { id: platform.id, key: response.raw_key, keyId: response.id };
}
