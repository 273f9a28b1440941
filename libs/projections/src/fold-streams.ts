import { END_USER_STREAM_PREFIX } from '@app/end-users';
import type { DataKeys } from '@app/personal-data';
import { streamPrefixPattern } from '@app/event-store';
import { StreamProjection } from './read-models';
import type { ClientBase } from 'pg';
import { insertRows } from './projection-tables';
import { EventRow, FoldedStream, StreamFolder } from './stream-folder';

/**
 * Event rows for StreamFolder, `WHERE` left to the caller: the stream's wrapped data key rides on
 * its first event (null there when the user is erased). `OFFSET 0` keeps the subquery from being
 * flattened into a join filter, so the key is looked up for first events only (a gating qual).
 */
const EVENT_ROWS = `SELECT e.global_position, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.payload, k.kek_id, k.wrapped_key
  FROM events e
  LEFT JOIN LATERAL (
    SELECT kek_id, wrapped_key FROM end_user_data_keys
    WHERE e.stream_version = 1 AND end_user_id = substr(e.stream_id, ${END_USER_STREAM_PREFIX.length + 1})::uuid
    OFFSET 0
  ) k ON true`;
const FETCH_SIZE = 5_000;

/** The events of every end-user stream: `FROM events WHERE …` with the pattern as parameter $1. */
export const END_USER_EVENTS = 'FROM events WHERE stream_id LIKE $1';
export const END_USER_EVENTS_PARAMS: readonly unknown[] = [streamPrefixPattern(END_USER_STREAM_PREFIX)];

/** The event rows of the given streams, in stream order, for StreamFolder. */
export async function eventRowsOfStreams(client: ClientBase, streamIds: readonly string[]): Promise<EventRow[]> {
  const { rows } = await client.query<EventRow>(`${EVENT_ROWS} WHERE e.stream_id = ANY($1) ORDER BY e.stream_id, e.stream_version`, [streamIds]);
  return rows;
}

/**
 * A slice of the end-user streams by stream id, `from` inclusive, `to` exclusive (null: no bound).
 * Bounds are compared by the database, in the column's collation, so the slices of streamRanges
 * never overlap and together hold every stream.
 */
export interface StreamRange {
  from: string | null;
  to: string | null;
}

const ALL_STREAMS: StreamRange = { from: null, to: null };

/** `parts` slices of the end-user streams, cut at the first hex digit of the end user's id. */
export function streamRanges(parts: number): StreamRange[] {
  const count = Math.max(1, Math.min(16, Math.floor(parts)));
  const cuts = Array.from({ length: count - 1 }, (_, i) => `${END_USER_STREAM_PREFIX}${Math.round(((i + 1) * 16) / count).toString(16)}`);
  return Array.from({ length: count }, (_, i) => ({ from: i === 0 ? null : cuts[i - 1], to: i === count - 1 ? null : cuts[i] }));
}

/**
 * Folds the end-user streams of `range` visible in the transaction `client` is in (open one first),
 * reading through a cursor in stream order and decoding each event with the event codec. `onPage`
 * gets the streams each page completed (the last call: the last stream) and the events read so
 * far. The database reads the next page while `onPage` works on the current one.
 */
export async function foldAllStreams(
  client: ClientBase,
  dataKeys: DataKeys,
  cursor: string,
  onPage: (streams: FoldedStream[], eventsRead: number) => Promise<void>,
  range: StreamRange = ALL_STREAMS,
): Promise<number> {
  const params: unknown[] = [...END_USER_EVENTS_PARAMS];
  const bounds = [
    range.from === null ? '' : ` AND e.stream_id >= $${params.push(range.from)}`,
    range.to === null ? '' : ` AND e.stream_id < $${params.push(range.to)}`,
  ].join('');
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${EVENT_ROWS} WHERE e.stream_id LIKE $1${bounds} ORDER BY e.stream_id, e.stream_version`, params);
  const fetchPage = () => client.query<EventRow>(`FETCH ${FETCH_SIZE} FROM ${cursor}`);
  const folder = new StreamFolder(dataKeys);
  let eventsRead = 0;
  let next = fetchPage();
  try {
    for (;;) {
      const page = await next;
      const last = page.rows.length === 0;
      if (!last) next = fetchPage();
      eventsRead += page.rows.length;
      await onPage(last ? folder.flush() : folder.push(page.rows), eventsRead);
      if (last) break;
    }
  } catch (error) {
    // The page requested ahead is still on its way; the connection is usable again once it is in.
    await next.catch(() => undefined);
    throw error;
  }
  await client.query(`CLOSE ${cursor}`);
  return eventsRead;
}

/**
 * Fills each target table (empty, with the live table's columns) with rowsOf every end-user stream,
 * in the caller's transaction: what the live tables should hold, as of its snapshot.
 */
export async function writeExpectedRows(
  client: ClientBase,
  dataKeys: DataKeys,
  targets: readonly { projection: StreamProjection; table: string }[],
): Promise<void> {
  await foldAllStreams(client, dataKeys, 'expected_rows', async (streams) => {
    for (const { projection, table } of targets) await insertRows(client, table, projection, rowsOfStreams(projection, streams));
  });
}

export function rowsOfStreams(projection: StreamProjection, streams: readonly FoldedStream[]): unknown[][] {
  return streams.flatMap((stream) => projection.rowsOf(stream.state, stream.version));
}
