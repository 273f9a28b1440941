import { PublicApiKey, PublicBudgetDecision } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The `data` of each public integration event, for the OpenAPI document of the history route.
 * The JSON Schemas in libs/contracts are the source of truth; test/docs checks these classes
 * name exactly the fields those schemas do.
 */
export class PublicApiKeyResponse implements PublicApiKey {
  @ApiProperty({ format: 'uuid', example: '9c4e2d7b-3a5f-4e1c-b8d2-7f6a1e0c5b94' })
  id!: string;

  @ApiProperty({ pattern: '^sk-eu_[0-9a-f]{2}$', example: 'sk-eu_10' })
  key_prefix!: string;

  @ApiProperty({ example: 'Default key' })
  name!: string;

  @ApiProperty({ type: [String], example: ['inference'] })
  scopes!: string[];

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;
}

export class PublicBudgetDecisionResponse implements PublicBudgetDecision {
  @ApiProperty({ format: 'uuid', example: '2e7d4c1b-8f3a-4b6e-9d2c-5a1f7e3b0c68' })
  id!: string;

  @ApiProperty({ type: Number, exclusiveMinimum: true, minimum: 0, example: 25 })
  max_usd!: number;

  @ApiProperty({ enum: ['monthly'], example: 'monthly' })
  period!: 'monthly';

  @ApiProperty({ format: 'date-time', example: '2026-04-01T00:00:00.000Z' })
  period_start!: string;
}

export class EndUserCreatedEventData {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'user-123' })
  external_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Jane Smith' })
  display_name!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { plan: 'pro' } })
  metadata!: Record<string, unknown>;

  @ApiProperty({ example: true })
  is_active!: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;

  @ApiProperty({ type: () => PublicApiKeyResponse })
  api_key!: PublicApiKeyResponse;

  @ApiProperty({ type: () => PublicBudgetDecisionResponse, nullable: true })
  budget!: PublicBudgetDecisionResponse | null;
}

/** Only the fields that changed, with their new values; at least one. */
export class EndUserChangesResponse {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Jane Doe' })
  display_name?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { plan: 'team' } })
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ example: false })
  is_active?: boolean;
}

export class EndUserUpdatedEventData {
  @ApiProperty({ type: () => EndUserChangesResponse })
  changes!: EndUserChangesResponse;

  @ApiProperty({ format: 'date-time', example: '2026-04-09T08:00:00.000Z' })
  updated_at!: string;
}

export class EndUserApiKeyIssuedEventData {
  @ApiProperty({ type: () => PublicApiKeyResponse })
  api_key!: PublicApiKeyResponse;
}

/** No personal data: the user's was erased by the delete itself (docs/privacy.md). */
export class EndUserDeletedEventData {
  @ApiProperty({ format: 'date-time', example: '2026-04-10T12:00:00.000Z' })
  deleted_at!: string;
}

/** By event type, in the order of INTEGRATION_EVENT_TYPES. */
export const END_USER_EVENT_DATA_MODELS = {
  'end_user.created': EndUserCreatedEventData,
  'end_user.updated': EndUserUpdatedEventData,
  'end_user.api_key_issued': EndUserApiKeyIssuedEventData,
  'end_user.deleted': EndUserDeletedEventData,
} as const;
