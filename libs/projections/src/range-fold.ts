import type { Database } from '@app/persistence';
import type { DataKeys } from '@app/personal-data';
import { foldAllStreams, rowsOfStreams, StreamRange } from './fold-streams';
import { insertRows } from './projection-tables';
import { projectionNamed } from './read-models';

/** One slice of a rebuild's bulk phase: the streams of `range` as of an exported snapshot, written into `target`. */
export interface RangeFold {
  /** An id from pg_export_snapshot(); the rebuild's reader keeps it valid until every slice is done. */
  snapshotId: string;
  projection: string;
  target: string;
  range: StreamRange;
}

/** Runs a RangeFold (in this process, or in a worker thread), reporting the events read so far; resolves to their count. */
export type RangeFolder = (fold: RangeFold, onEventsRead: (eventsRead: number) => void) => Promise<number>;

const WRITE_BATCH_ROWS = 2_000;
const SNAPSHOT_ID = /^[0-9A-F]+(-[0-9A-F]+)+$/i;

/**
 * Folds the streams of one range in the exported snapshot and writes their rows into the target
 * table, on two connections of its own: the database reads the next page and writes the previous
 * batch while this process folds.
 */
export async function foldRange(db: Database, dataKeys: DataKeys, fold: RangeFold, onEventsRead: (eventsRead: number) => void): Promise<number> {
  if (!SNAPSHOT_ID.test(fold.snapshotId)) throw new Error(`not an exported snapshot id: ${fold.snapshotId}`);
  const projection = projectionNamed(fold.projection);
  const reader = await db.checkOut();
  const writer = await db.checkOut().catch((error: unknown) => {
    reader.release();
    throw error;
  });
  let writing: Promise<void> = Promise.resolve();
  const write = async (rows: unknown[][]) => {
    await writing;
    writing = insertRows(writer.client, fold.target, projection, rows);
    writing.catch(() => undefined); // awaited before the next batch, or at the end
  };
  try {
    await reader.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.client.query(`SET TRANSACTION SNAPSHOT '${fold.snapshotId}'`);
    let pending: unknown[][] = [];
    const eventsRead = await foldAllStreams(
      reader.client,
      dataKeys,
      'range_events',
      async (streams, read) => {
        pending.push(...rowsOfStreams(projection, streams));
        if (pending.length >= WRITE_BATCH_ROWS) {
          await write(pending);
          pending = [];
        }
        onEventsRead(read);
      },
      fold.range,
    );
    await write(pending);
    await writing;
    await reader.client.query('COMMIT');
    return eventsRead;
  } catch (error) {
    await writing.catch(() => undefined);
    await reader.client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    reader.release();
    writer.release();
  }
}

/** Folds the ranges in this process, on connections of `db`'s pool (two per range). */
export function inProcessRangeFolder(db: Database, dataKeys: DataKeys): RangeFolder {
  return (fold, onEventsRead) => foldRange(db, dataKeys, fold, onEventsRead);
}
