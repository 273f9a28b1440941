import { KAFKA_HEADERS } from '@app/contracts';
import { decodeEndUserEvent, EndUserCreated } from '@app/end-users';
import { EventMetadata } from '@app/event-store';
import { MessagePublisher } from '@app/kafka';
import type { Pool } from 'pg';
import { toOutboxMessage } from './integration-events';

export interface RepublishRange {
  fromPosition: bigint;
  toPosition?: bigint;
  endUserId?: string;
}

interface Row {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  event_type: string;
  schema_version: number;
  payload: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
}

const PAGE = 1_000;

/**
 * Publishes the public form of stored events again, in position order (so each user's events keep
 * their order), with their original event ids and a `replay: true` header. Writes nothing to the
 * database and triggers no outbox row: consumers deduplicate by event_id as for any redelivery.
 */
export async function republishEvents(pool: Pool, publisher: MessagePublisher, topic: string, range: RepublishRange, onPage: (published: number, position: string) => void = () => {}): Promise<number> {
  let after = range.fromPosition - 1n;
  let published = 0;
  for (;;) {
    const { rows } = await pool.query<Row>(
      `SELECT global_position::text, event_id, stream_id, stream_version, event_type, schema_version, payload, metadata, recorded_at
       FROM events
       WHERE global_position > $1 AND ($2::bigint IS NULL OR global_position <= $2) AND ($3::text IS NULL OR stream_id = $3)
         AND stream_id LIKE 'end_user-%'
       ORDER BY global_position LIMIT $4`,
      [after.toString(), range.toPosition?.toString() ?? null, range.endUserId ? `end_user-${range.endUserId}` : null, PAGE],
    );
    if (rows.length === 0) return published;
    const platformOf = await platformsOfStreams(pool, [...new Set(rows.map((row) => row.stream_id))]);
    const messages = rows.map((row) => {
      const event = decodeEndUserEvent(row.event_type, row.schema_version, row.payload);
      const message = toOutboxMessage(topic, event, row.event_id, platformOf.get(row.stream_id)!, row.metadata);
      return { key: message.key, value: message.payload, headers: { ...message.headers, [KAFKA_HEADERS.replay]: 'true' } };
    });
    await publisher.publish(topic, messages);
    published += messages.length;
    after = BigInt(rows[rows.length - 1].global_position);
    onPage(published, after.toString());
  }
}

/** A stream's platform is fixed by its first event. */
async function platformsOfStreams(pool: Pool, streamIds: string[]): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ stream_id: string; payload: EndUserCreated['data'] }>(
    "SELECT stream_id, payload FROM events WHERE stream_id = ANY($1) AND stream_version = 1",
    [streamIds],
  );
  return new Map(rows.map((row) => [row.stream_id, row.payload.platformId]));
}
