import { generateKey } from './keys';
import { Sql } from '@app/persistence';
import { randomUUID } from 'node:crypto';

export interface PlatformSettings {
  default_budget_usd?: number;
}

export interface PlatformRow {
  id: string;
  name: string;
  settings: PlatformSettings;
  created_at: Date;
  updated_at: Date;
}

export interface PlatformKeyRow {
  id: string;
  platform_id: string;
  key_prefix: string;
  name: string;
  is_active: boolean;
  expires_at: Date | null;
  created_at: Date;
}

export interface IssuedPlatformKey {
  key: PlatformKeyRow;
  rawKey: string;
}

const PLATFORM_COLUMNS = 'id, name, settings, created_at, updated_at';
const KEY_COLUMNS = 'id, platform_id, key_prefix, name, is_active, expires_at, created_at';

/** Creates a platform with its first key in one transaction; the caller's. */
export async function createPlatform(sql: Sql, name: string, settings: PlatformSettings): Promise<{ platform: PlatformRow; key: IssuedPlatformKey }> {
  const [platform] = await sql.query<PlatformRow>(`INSERT INTO platforms (id, name, settings) VALUES ($1, $2, $3::jsonb) RETURNING ${PLATFORM_COLUMNS}`, [
    randomUUID(),
    name,
    JSON.stringify(settings),
  ]);
  const key = await issuePlatformKey(sql, platform.id, 'Default key');
  return { platform, key: key! };
}

/** Adds a key to a platform; null when the platform does not exist. Runs in the caller's transaction. */
export async function issuePlatformKey(sql: Sql, platformId: string, name: string): Promise<IssuedPlatformKey | null> {
  const generated = generateKey('platform');
  const rows = await sql.query<PlatformKeyRow>(
    `INSERT INTO platform_api_keys (id, platform_id, key_hash, key_prefix, name)
     SELECT $1, id, $3, $4, $5 FROM platforms WHERE id = $2
     RETURNING ${KEY_COLUMNS}`,
    [randomUUID(), platformId, generated.hash, generated.prefix, name],
  );
  return rows[0] ? { key: rows[0], rawKey: generated.raw } : null;
}

export async function findPlatform(sql: Sql, platformId: string): Promise<PlatformRow | null> {
  const rows = await sql.query<PlatformRow>(`SELECT ${PLATFORM_COLUMNS} FROM platforms WHERE id = $1`, [platformId]);
  return rows[0] ?? null;
}

export interface PlatformPatch {
  name?: string;
  /** Settings to set; a null value removes the setting. */
  settings?: Record<string, unknown>;
}

/** Merges settings key by key (null removes one) and renames, in one statement. */
export async function updatePlatform(sql: Sql, platformId: string, patch: PlatformPatch): Promise<PlatformRow | null> {
  const entries = Object.entries(patch.settings ?? {});
  const toSet = Object.fromEntries(entries.filter(([, value]) => value !== null));
  const toRemove = entries.filter(([, value]) => value === null).map(([key]) => key);
  const rows = await sql.query<PlatformRow>(
    `UPDATE platforms
     SET name = coalesce($2, name), settings = (settings || $3::jsonb) - $4::text[], updated_at = now()
     WHERE id = $1
     RETURNING ${PLATFORM_COLUMNS}`,
    [platformId, patch.name ?? null, JSON.stringify(toSet), toRemove],
  );
  return rows[0] ?? null;
}
