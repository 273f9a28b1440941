import { END_USER_STREAM_PREFIX } from '@app/end-users';
import type { DataKeys } from '@app/personal-data';
import { streamPrefixPattern } from '@app/event-store';
import { StreamProjection } from './read-models';
import type { ClientBase } from 'pg';
import { insertRows } from './projection-tables';
import { EventRow, FoldedStream, StreamFolder } from './stream-folder';

/** The end user's id within its stream id, in SQL. */
const END_USER_ID = `substr(stream_id, ${END_USER_STREAM_PREFIX.length + 1})::uuid`;

/** An event row for StreamFolder: the stream's wrapped data key rides on its first event. */
export const EVENT_COLUMNS = `global_position, stream_id, stream_version, event_type, schema_version, payload,
  CASE WHEN stream_version = 1 THEN (SELECT kek_id FROM end_user_data_keys WHERE end_user_id = ${END_USER_ID}) END AS kek_id,
  CASE WHEN stream_version = 1 THEN (SELECT wrapped_key FROM end_user_data_keys WHERE end_user_id = ${END_USER_ID}) END AS wrapped_key`;
const FETCH_SIZE = 5_000;

/** The events of every end-user stream: `FROM events WHERE …` with the pattern as parameter $1. */
export const END_USER_EVENTS = 'FROM events WHERE stream_id LIKE $1';
export const END_USER_EVENTS_PARAMS: readonly unknown[] = [streamPrefixPattern(END_USER_STREAM_PREFIX)];

/**
 * Folds every end-user stream visible in the transaction `client` is in (open one first), reading
 * through a cursor in stream order and decoding each event with the event codec. `onPage` gets
 * the streams each page completed (the last call: the last stream) and the events read so far.
 */
export async function foldAllStreams(
  client: ClientBase,
  dataKeys: DataKeys,
  cursor: string,
  onPage: (streams: FoldedStream[], eventsRead: number) => Promise<void>,
): Promise<number> {
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${EVENT_COLUMNS} ${END_USER_EVENTS} ORDER BY stream_id, stream_version`, [
    ...END_USER_EVENTS_PARAMS,
  ]);
  const folder = new StreamFolder(dataKeys);
  let eventsRead = 0;
  for (;;) {
    const page = await client.query<EventRow>(`FETCH ${FETCH_SIZE} FROM ${cursor}`);
    eventsRead += page.rows.length;
    await onPage(page.rows.length === 0 ? folder.flush() : folder.push(page.rows), eventsRead);
    if (page.rows.length === 0) break;
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
