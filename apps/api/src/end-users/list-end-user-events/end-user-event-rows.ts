import { decodeEndUserEvent, endUserStreamId } from '@app/end-users';
import { EventMetadata } from '@app/event-store';
import { Sql } from '@app/persistence';

export interface EndUserEventRow {
  global_position: string;
  event_id: string;
  stream_version: number;
  event_type: string;
  schema_version: number;
  payload: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
}

/**
 * The platform of a user whose history may be shown, from its EndUserCreated event; null when the
 * stream does not exist or the user was deleted. Both lookups stay within the user's stream.
 */
export async function platformOfLiveEndUser(sql: Sql, endUserId: string): Promise<string | null> {
  const rows = await sql.query<Pick<EndUserEventRow, 'event_type' | 'schema_version' | 'payload'>>(
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

/** One page of the stream in version order, and the stream's length; served by (stream_id, stream_version). */
export async function pageOfEndUserEvents(sql: Sql, endUserId: string, page: number, limit: number): Promise<{ rows: EndUserEventRow[]; total: number }> {
  const streamId = endUserStreamId(endUserId);
  const [rows, counted] = await Promise.all([
    sql.query<EndUserEventRow>(
      `SELECT global_position, event_id, stream_version, event_type, schema_version, payload, metadata, recorded_at
       FROM events WHERE stream_id = $1 ORDER BY stream_version LIMIT $2 OFFSET $3`,
      [streamId, limit, (page - 1) * limit],
    ),
    sql.query<{ total: string }>('SELECT count(*) AS total FROM events WHERE stream_id = $1', [streamId]),
  ]);
  return { rows, total: Number(counted[0].total) };
}
