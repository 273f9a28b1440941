/** Maps stored end-user events to the public contract; shared by the API (outbox) and the operator CLI (republish). */
import { usdToNumber } from '@app/end-users';
import { EndUserIntegrationEvent, KAFKA_HEADERS, PublicApiKey } from '@app/contracts';
import { EndUserEvent, IssuedApiKey } from '@app/end-users';
import { EventMetadata } from '@app/event-store';
import { OutboxRecord } from '../outbox-record';

function publicKey(key: IssuedApiKey): PublicApiKey {
  return { id: key.keyId, key_prefix: key.keyPrefix, name: key.name, scopes: key.scopes, created_at: key.issuedAt };
}

/** The public view of a stored event: a separate shape, with no key hashes or raw keys, ever. */
export function toIntegrationEvent(event: EndUserEvent, eventId: string, platformId: string, occurredAt: string): EndUserIntegrationEvent {
  const envelope = { event_id: eventId, schema_version: 1 as const, occurred_at: occurredAt, platform_id: platformId, end_user_id: event.data.endUserId };
  switch (event.type) {
    case 'EndUserCreated': {
      const { data } = event;
      return {
        ...envelope,
        event_type: 'end_user.created',
        data: {
          external_id: data.externalId,
          display_name: data.displayName,
          metadata: data.metadata,
          is_active: true,
          created_at: data.createdAt,
          api_key: publicKey(data.apiKey),
          budget: data.budget && {
            id: data.budget.budgetId,
            max_usd: usdToNumber(data.budget.maxUsd),
            period: data.budget.period,
            period_start: data.budget.periodStart,
          },
        },
      };
    }
    case 'EndUserUpdated': {
      const { changes } = event.data;
      return {
        ...envelope,
        event_type: 'end_user.updated',
        data: {
          changes: {
            ...(changes.displayName !== undefined && { display_name: changes.displayName }),
            ...(changes.metadata !== undefined && { metadata: changes.metadata }),
            ...(changes.isActive !== undefined && { is_active: changes.isActive }),
          },
          updated_at: event.data.updatedAt,
        },
      };
    }
    case 'EndUserApiKeyIssued':
      return { ...envelope, event_type: 'end_user.api_key_issued', data: { api_key: publicKey(event.data.apiKey) } };
    case 'EndUserDeleted':
      return { ...envelope, event_type: 'end_user.deleted', data: { deleted_at: event.data.deletedAt } };
  }
}

/**
 * The outbox row of a decided (or decoded) event: never made from a stored payload directly. Keyed by
 * end user, so each user's events land on one partition in order.
 */
export function toOutboxRecord(topic: string, event: EndUserEvent, eventId: string, platformId: string, metadata: EventMetadata): OutboxRecord {
  const integrationEvent = toIntegrationEvent(event, eventId, platformId, metadata.occurredAt);
  const headers: Record<string, string> = {
    [KAFKA_HEADERS.eventType]: integrationEvent.event_type,
    [KAFKA_HEADERS.schemaVersion]: String(integrationEvent.schema_version),
    [KAFKA_HEADERS.eventId]: eventId,
    [KAFKA_HEADERS.contentType]: 'application/json',
  };
  if (metadata.requestId) headers[KAFKA_HEADERS.requestId] = metadata.requestId;
  return { eventId, topic, key: integrationEvent.end_user_id, payload: JSON.stringify(integrationEvent), headers };
}
