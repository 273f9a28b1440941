import { EndUserIntegrationEvent } from '@app/contracts';
import { decodeEndUserEvent } from '@app/end-users';
import { toIntegrationEvent } from '@app/publishing';
import { EndUserEventRow } from './end-user-event-rows';

/** One entry of a user's history: who did what, when, and what changed. */
export interface EndUserEventResponse {
  event_id: string;
  version: number;
  position: number;
  event_type: EndUserIntegrationEvent['event_type'];
  occurred_at: string;
  recorded_at: string;
  actor_key_id: string | null;
  request_id: string | null;
  data: EndUserIntegrationEvent['data'];
}

/**
 * `event_type` and `data` are those of the public integration event, the view made for outsiders:
 * changed fields only, keys by id and prefix, never a raw key or a hash.
 */
export function endUserEventResponse(row: EndUserEventRow, platformId: string): EndUserEventResponse {
  const event = decodeEndUserEvent(row.event_type, row.schema_version, row.payload);
  const published = toIntegrationEvent(event, row.event_id, platformId, row.metadata.occurredAt);
  return {
    event_id: row.event_id,
    version: row.stream_version,
    position: Number(row.global_position),
    event_type: published.event_type,
    occurred_at: row.metadata.occurredAt,
    recorded_at: row.recorded_at.toISOString(),
    actor_key_id: row.metadata.actorKeyId ?? null,
    request_id: row.metadata.requestId ?? null,
    data: published.data,
  };
}
