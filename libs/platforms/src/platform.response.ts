import { IssuedPlatformKey, PlatformRow, PlatformSettings } from './platforms';

export interface PlatformResponse {
  id: string;
  name: string;
  settings: PlatformSettings;
  created_at: string;
  updated_at: string;
}

export function platformResponse(row: PlatformRow): PlatformResponse {
  return { id: row.id, name: row.name, settings: row.settings, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

export interface CreatedPlatformKeyResponse {
  id: string;
  platform_id: string;
  key_prefix: string;
  name: string;
  is_active: boolean;
  expires_at: string | null;
  created_at: string;
  raw_key: string;
}

/** Shown once, to the operator who created it. */
export function createdPlatformKeyResponse({ key, rawKey }: IssuedPlatformKey): CreatedPlatformKeyResponse {
  return {
    id: key.id,
    platform_id: key.platform_id,
    key_prefix: key.key_prefix,
    name: key.name,
    is_active: key.is_active,
    expires_at: key.expires_at?.toISOString() ?? null,
    created_at: key.created_at.toISOString(),
    raw_key: rawKey,
  };
}
