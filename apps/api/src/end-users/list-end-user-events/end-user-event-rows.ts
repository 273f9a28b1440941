import { decodeEndUserEvent, endUserStreamId } from '@app/end-users';
import { readStreamPage, StoredEvent } from '@app/event-store';
import { Sql } from '@app/persistence';

/**
 * The platform of a user whose history may be shown, from its EndUserCreated event; null when the
 * stream does not exist or the user was deleted. Both lookups stay within the user's stream.
 */
export async function platformOfLiveEndUser(sql: Sql, endUserId: string): Promise<string | null> {
  const rows = await sql.query<{ event_type: string; schema_version: number; payload: unknown }>(
    `SELECT event_type, schema_version, payload FROM events
     WHERE stream_id = $1 AND event_type IN ('EndUserCreated', 'EndUserDeleted')`,
    [endUserStreamId(endUserId)],
  );
  if (rows.some((row) => row.event_type === 'EndUserDeleted')) return null;
  const created = rows.find((row) => row.event_type === 'EndUserCreated');
  if (!created) return null;
  const event = decodeEndUserEvent(created.event_type, created.schema_version, created.payload);
  return event.type === 'EndUserCreated' ? event.data.platformId : null;
}

/** One page of the user's stream in version order, and the stream's length. */
export async function pageOfEndUserEvents(sql: Sql, endUserId: string, page: number, limit: number): Promise<{ events: StoredEvent[]; total: number }> {
  return readStreamPage(sql, endUserStreamId(endUserId), (page - 1) * limit, limit);
}
