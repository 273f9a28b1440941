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

export interface Append {
  streamId: string;
  /** The version the stream is at (0: it must not exist yet); the events get the versions after it. */
  expectedVersion: number;
  events: readonly NewEvent[];
  metadata: EventMetadata;
}

/**
 * Adds to `statement` the CTE `appended`: the events at versions expectedVersion+1.., written
 * only if the CTE `guard` (when given) produced a row. Other modules add what must commit with
 * the events (outbox rows, projections) to the same statement, so an append costs one round trip.
 */
export function withAppendedEvents(statement: Statement, append: Append, guard?: string): void {
  const { events } = append;
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
}

/**
 * Runs a statement holding an append (withAppendedEvents) and returns the stored events in version
 * order: none when its guard produced no row. Runs in the caller's transaction, if any. The unique
 * (stream_id, stream_version) constraint decides races: the loser gets StreamVersionConflict, and
 * its transaction must roll back.
 */
export async function runAppend(sql: Sql, statement: Statement, append: Append): Promise<StoredEvent[]> {
  try {
    const rows = await statement.run<EventRow>(sql, 'SELECT * FROM appended');
    return rows.map(toStoredEvent).sort((a, b) => a.streamVersion - b.streamVersion);
  } catch (error) {
    if (isUniqueViolation(error, 'events_stream_version_unique')) throw new StreamVersionConflict(append.streamId, append.expectedVersion);
    throw error;
  }
}

/** The version a stream is at now: that of its last event, 0 when it has none. */
export async function streamVersion(sql: Sql, streamId: string): Promise<number> {
  const [row] = await sql.query<{ version: number | null }>('SELECT max(stream_version) AS version FROM events WHERE stream_id = $1', [streamId]);
  return row.version ?? 0;
}

/**
 * A LIKE pattern for the stream ids that start with `prefix` (`_` and `%` in it match only
 * themselves). A parameter, so the planner still estimates from the column's statistics.
 */
export function streamPrefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\_%]/g, (c) => `\\${c}`)}%`;
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
       AND ($4::text IS NULL OR stream_id LIKE $4)
     ORDER BY global_position LIMIT $5`,
    [
      range.after.toString(),
      range.upTo?.toString() ?? null,
      range.streamId ?? null,
      range.streamPrefix === undefined ? null : streamPrefixPattern(range.streamPrefix),
      range.limit,
    ],
  );
  return rows.map(toStoredEvent);
}

/** All events of one stream in version order; with `types`, only the events of those types. */
export async function readStream(sql: Sql, streamId: string, types?: readonly string[]): Promise<StoredEvent[]> {
  const rows = types
    ? await sql.query<EventRow>(`SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = $1 AND event_type = ANY($2) ORDER BY stream_version`, [streamId, types])
    : await sql.query<EventRow>(`SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version`, [streamId]);
  return rows.map(toStoredEvent);
}

/** The first event of each of these streams (the one that created it), in no particular order. */
export async function readFirstEvents(sql: Sql, streamIds: readonly string[]): Promise<StoredEvent[]> {
  const rows = await sql.query<EventRow>(`SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = ANY($1) AND stream_version = 1`, [streamIds]);
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
