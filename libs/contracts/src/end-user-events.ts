/**
 * The public integration events of topic end-users.events.v1. They grow only by adding optional
 * fields; a breaking change is a new schema_version on a new topic. Never any key material.
 */
export const END_USER_EVENTS_TOPIC = 'end-users.events.v1';

export const INTEGRATION_EVENT_TYPES = ['end_user.created', 'end_user.updated', 'end_user.api_key_issued', 'end_user.deleted'] as const;
export type IntegrationEventType = (typeof INTEGRATION_EVENT_TYPES)[number];

export const KAFKA_HEADERS = {
  eventType: 'event_type',
  schemaVersion: 'schema_version',
  eventId: 'event_id',
  contentType: 'content-type',
  requestId: 'request_id',
  replay: 'replay',
} as const;

export interface IntegrationEnvelope<Type extends IntegrationEventType, Data> {
  event_id: string;
  event_type: Type;
  schema_version: 1;
  occurred_at: string;
  platform_id: string;
  end_user_id: string;
  data: Data;
}

export interface PublicApiKey {
  id: string;
  key_prefix: string;
  name: string;
  scopes: string[];
  created_at: string;
}

export interface PublicBudgetDecision {
  id: string;
  max_usd: number;
  period: 'monthly';
  period_start: string;
}

export type EndUserCreatedV1 = IntegrationEnvelope<
  'end_user.created',
  {
    external_id: string;
    display_name: string | null;
    metadata: Record<string, unknown>;
    is_active: boolean;
    created_at: string;
    api_key: PublicApiKey;
    budget: PublicBudgetDecision | null;
  }
>;

export type EndUserUpdatedV1 = IntegrationEnvelope<
  'end_user.updated',
  {
    changes: { display_name?: string | null; metadata?: Record<string, unknown>; is_active?: boolean };
    updated_at: string;
  }
>;

export type EndUserApiKeyIssuedV1 = IntegrationEnvelope<'end_user.api_key_issued', { api_key: PublicApiKey }>;

/**
 * The user's personal data is erased with it, so the notice carries none: `external_id` was sent
 * before erasure existed (docs/privacy.md) and is never sent now. Subscribers erase by end_user_id.
 */
export type EndUserDeletedV1 = IntegrationEnvelope<'end_user.deleted', { deleted_at: string }>;

export type EndUserIntegrationEvent = EndUserCreatedV1 | EndUserUpdatedV1 | EndUserApiKeyIssuedV1 | EndUserDeletedV1;
