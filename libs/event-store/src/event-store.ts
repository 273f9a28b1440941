import { isUniqueViolation, onlyIf, Sql, Statement } from '@app/persistence';
import { EventMetadata, NewEvent, StoredEvent, StreamVersionConflict } from './stored-event';

interface EventRow {
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

const SELECT_COLUMNS = 'global_position, event_id, stream_id, stream_version, event_type, schema_version, payload, metadata, recorded_at';

/**
 * Adds to `statement` the CTEs `appended` (the events at versions expectedVersion+1..) and
 * `queued` (the outbox rows of those with `publishAs`), both only if `guard` produced a row.
 */
export function withAppendedEvents(
  statement: Statement,
  append: { streamId: string; expectedVersion: number; events: readonly NewEvent[]; metadata: EventMetadata },
  guard?: string,
): void {
  const { events } = append;
  const published = events.filter((event) => event.publishAs !== undefined);
  const p = (value: unknown, cast?: string) => statement.param(value, cast);
  statement.with(
    'appended',
    `INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
     SELECT e.event_id, ${p(append.streamId)}, ${p(append.expectedVersion, 'int')} + e.ordinality, e.event_type, e.schema_version, e.payload, ${p(JSON.stringify(append.metadata), 'jsonb')}
     FROM unnest(${p(
       events.map((event) => event.eventId),
       'uuid[]',
     )}, ${p(
       events.map((event) => event.type),
       'text[]',
     )}, ${p(
       events.map((event) => event.schemaVersion),
       'int[]',
     )}, ${p(
       events.map((event) => JSON.stringify(event.data)),
       'jsonb[]',
     )}) WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, ordinality)
     ${onlyIf(guard)}
     ORDER BY e.ordinality
     RETURNING ${SELECT_COLUMNS}`,
  );
  statement.with(
    'queued',
    `INSERT INTO outbox (event_id, topic, message_key, payload, headers)
     SELECT * FROM unnest(${p(
       published.map((event) => event.eventId),
       'uuid[]',
     )}, ${p(
       published.map((event) => event.publishAs!.topic),
       'text[]',
     )}, ${p(
       published.map((event) => event.publishAs!.key),
       'text[]',
     )}, ${p(
       published.map((event) => event.publishAs!.payload),
       'text[]',
     )}, ${p(
       published.map((event) => JSON.stringify(event.publishAs!.headers)),
       'jsonb[]',
     )})
     ${onlyIf(guard)}`,
  );
}

/** Runs a statement holding an append; a lost race on the stream version becomes StreamVersionConflict. */
export async function runAppend<Row>(sql: Sql, statement: Statement, finalQuery: string, streamId: string, expectedVersion: number): Promise<Row[]> {
  try {
    return await statement.run<Row>(sql, finalQuery);
  } catch (error) {
    if (isUniqueViolation(error, 'events_stream_version_unique')) throw new StreamVersionConflict(streamId, expectedVersion);
    throw error;
  }
}

/** Turns rows of the `appended` CTE into stored events, in version order. */
export function storedEventsOf(rows: readonly Record<string, unknown>[]): StoredEvent[] {
  return rows.map((row) => toStoredEvent(row as unknown as EventRow)).sort((a, b) => a.streamVersion - b.streamVersion);
}

/**
 * Appends `events` at versions expectedVersion+1.. and records in the outbox those that are
 * published (`publishAs`), in one statement; runs in the caller's transaction. `expectedVersion` 0
 * means "the stream must not exist". The unique (stream_id, stream_version) constraint decides
 * races: the loser gets StreamVersionConflict and its transaction must roll back.
 */
export async function appendToStream(
  sql: Sql,
  streamId: string,
  expectedVersion: number,
  events: readonly NewEvent[],
  metadata: EventMetadata,
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const statement = new Statement();
  withAppendedEvents(statement, { streamId, expectedVersion, events, metadata });
  return storedEventsOf(await runAppend(sql, statement, 'SELECT * FROM appended', streamId, expectedVersion));
}

/** One page of a stream in version order, and the stream's length. */
export async function readStreamPage(sql: Sql, streamId: string, offset: number, limit: number): Promise<{ events: StoredEvent[]; total: number }> {
  const [rows, counted] = await Promise.all([
    sql.query<EventRow>(`SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version LIMIT $2 OFFSET $3`, [streamId, limit, offset]),
    sql.query<{ total: string }>('SELECT count(*) AS total FROM events WHERE stream_id = $1', [streamId]),
  ]);
  return { events: rows.map(toStoredEvent), total: Number(counted[0].total) };
}

/**
 * Committed events in position order after `after`, up to `upTo`, optionally of one stream, at
 * most `limit`. For replays of history; a live reader resuming from a position must use readAll.
 */
export async function readPositions(
  sql: Sql,
  range: { after: bigint; upTo?: bigint; streamId?: string; streamPrefix?: string; limit: number },
): Promise<StoredEvent[]> {
  const rows = await sql.query<EventRow>(
    `SELECT ${SELECT_COLUMNS} FROM events
     WHERE global_position > $1 AND ($2::bigint IS NULL OR global_position <= $2) AND ($3::text IS NULL OR stream_id = $3)
       AND ($4::text IS NULL OR stream_id LIKE $4 || '%')
     ORDER BY global_position LIMIT $5`,
    [range.after.toString(), range.upTo?.toString() ?? null, range.streamId ?? null, range.streamPrefix ?? null, range.limit],
  );
  return rows.map(toStoredEvent);
}

/** All events of one stream in version order. */
export async function readStream(sql: Sql, streamId: string): Promise<StoredEvent[]> {
  const rows = await sql.query<EventRow>(`SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version`, [streamId]);
  return rows.map(toStoredEvent);
}

/** Where a reader of the whole store stands: the (transaction id, position) of the last event it read. */
export interface AllStreamCheckpoint {
  transactionId: bigint;
  position: bigint;
}

export const START_OF_ALL: AllStreamCheckpoint = { transactionId: 0n, position: 0n };

/**
 * Events after `after`, at most `limit`, in (transaction id, position) order. Positions are taken
 * at insert but committed in any order, so "everything after the last position" would skip an
 * event whose transaction commits late. Only events of transactions older than every transaction
 * still running are returned, and in transaction order: anything committed later has a higher
 * transaction id than all of them, so resuming from the checkpoint never skips an event.
 * Within one stream, use stream_version for order.
 */
export async function readAll(sql: Sql, after: AllStreamCheckpoint, limit: number): Promise<{ events: StoredEvent[]; checkpoint: AllStreamCheckpoint }> {
  // The text form of the id gets a name of its own: an output column named transaction_id would be
  // what ORDER BY sorts, as text ('1001' before '999'), and batches would overlap or skip.
  const rows = await sql.query<EventRow & { transaction_id_text: string }>(
    `SELECT ${SELECT_COLUMNS}, transaction_id::text AS transaction_id_text FROM events
     WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY events.transaction_id, events.global_position LIMIT $3`,
    [after.transactionId.toString(), after.position.toString(), limit],
  );
  const last = rows[rows.length - 1];
  return {
    events: rows.map(toStoredEvent),
    checkpoint: last ? { transactionId: BigInt(last.transaction_id_text), position: BigInt(last.global_position) } : after,
  };
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    globalPosition: BigInt(row.global_position),
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.payload,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}
