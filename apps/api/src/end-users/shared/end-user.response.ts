import { EndUser, IssuedApiKey, JsonObject } from '@app/end-users';
import { EndUserRow } from '@app/projections';
import { ApiProperty } from '@nestjs/swagger';
import { BudgetResponse } from '../../budgets/shared/budget.response';

/** An end user as every route shows it; never any key material. */
export class EndUserResponse {
  @ApiProperty({ format: 'uuid', example: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31' })
  platform_id!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    description: 'Your stable identifier for the user, unique per platform; cannot be changed.',
    example: 'user-123',
  })
  external_id!: string;

  @ApiProperty({ type: String, nullable: true, minLength: 1, maxLength: 100, description: '`null` when not given.', example: 'Jane Smith' })
  display_name!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Arbitrary JSON object; `{}` when not given.', example: { plan: 'pro' } })
  metadata!: JsonObject;

  @ApiProperty({ description: "An inactive user's keys do not authenticate.", example: true })
  is_active!: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', description: 'Advances whenever a PATCH changes something.', example: '2026-04-08T10:30:00.000Z' })
  updated_at!: string;
}

export function endUserResponseFromRow(row: EndUserRow): EndUserResponse {
  return {
    id: row.id,
    platform_id: row.platform_id,
    external_id: row.external_id,
    display_name: row.display_name,
    metadata: row.metadata,
    is_active: row.is_active,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function endUserResponseFromState(user: EndUser): EndUserResponse {
  return {
    id: user.id,
    platform_id: user.platformId,
    external_id: user.externalId,
    display_name: user.displayName,
    metadata: user.metadata,
    is_active: user.isActive,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

/** An end-user API key in the one response that created it. */
export class CreatedApiKeyResponse {
  @ApiProperty({ format: 'uuid', example: '9c4e2d7b-3a5f-4e1c-b8d2-7f6a1e0c5b94' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31' })
  platform_id!: string;

  @ApiProperty({ format: 'uuid', example: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d' })
  end_user_id!: string;

  @ApiProperty({ description: 'The first 8 characters of the key.', pattern: '^sk-eu_[0-9a-f]{2}$', example: 'sk-eu_10' })
  key_prefix!: string;

  @ApiProperty({ example: 'Default key' })
  name!: string;

  @ApiProperty({ type: [String], example: ['inference'] })
  scopes!: string[];

  @ApiProperty({ example: true })
  is_active!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  expires_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  last_used_at!: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;

  @ApiProperty({
    description: 'The key itself: returned only in this response and stored only as a SHA-256 hash. Store it at once.',
    pattern: '^sk-eu_[0-9a-f]{64}$',
    example: 'sk-eu_103c5bb1fd2bd35d6c1e0a9f4b7e2d8c5a1f3e6b9d0c2a4f7e1b8d5c3a6f9e2d',
  })
  raw_key!: string;
}

/** The only place a raw key is ever put in a response: the one that created it. */
export function createdApiKeyResponse(key: IssuedApiKey, user: EndUser, rawKey: string): CreatedApiKeyResponse {
  return {
    id: key.keyId,
    platform_id: user.platformId,
    end_user_id: user.id,
    key_prefix: key.keyPrefix,
    name: key.name,
    scopes: key.scopes,
    is_active: true,
    expires_at: null,
    last_used_at: null,
    created_at: key.issuedAt,
    raw_key: rawKey,
  };
}

/** The answer to POST /end-users: the user, its new key (raw key included) and its budget. */
export class CreatedEndUserResponse extends EndUserResponse {
  @ApiProperty({ type: () => CreatedApiKeyResponse, description: 'A new key on every call, also on a repeat create; earlier keys stay active.' })
  api_key!: CreatedApiKeyResponse;

  @ApiProperty({
    type: () => BudgetResponse,
    nullable: true,
    description:
      'The auto-budget when the platform has `settings.default_budget_usd`, else `null`. On a repeat create, the provisioned budget as it is now (once the worker provisioned it).',
  })
  budget!: BudgetResponse | null;
}
