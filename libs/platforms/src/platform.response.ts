import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IssuedPlatformKey, PlatformRow, PlatformSettings } from './platforms';

export class PlatformSettingsResponse implements PlatformSettings {
  @ApiPropertyOptional({
    type: Number,
    exclusiveMinimum: true,
    minimum: 0,
    description: 'Budget in USD given to each end user created from now on (a monthly auto-budget); absent when not set.',
    example: 25,
  })
  default_budget_usd?: number;
}

export class PlatformResponse {
  @ApiProperty({ format: 'uuid', example: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31' })
  id!: string;

  @ApiProperty({ example: 'Acme' })
  name!: string;

  @ApiProperty({ type: () => PlatformSettingsResponse })
  settings!: PlatformSettings;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  updated_at!: string;
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
