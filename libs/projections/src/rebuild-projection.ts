import { endUserIdOfStream } from '@app/end-users';
import { sqlOfClient, type Database } from '@app/persistence';
import type { DataKeys } from '@app/personal-data';
import { StreamProjection } from './read-models';
import type { PoolClient } from 'pg';
import { END_USER_EVENTS, END_USER_EVENTS_PARAMS, eventRowsOfStreams, rowsOfStreams, streamRanges, writeExpectedRows } from './fold-streams';
import { inProcessRangeFolder, RangeFolder } from './range-fold';
import { copyIndexes, createEmptyCopy, insertRows, rebuildTableOf, retiredTableOf, swapIn, tableChecksum } from './projection-tables';
import { StreamFolder } from './stream-folder';

export type RebuildPhase = 'bulk' | 'catch-up' | 'switch' | 'verify';

export interface RebuildProgress {
  phase: RebuildPhase;
  eventsApplied: number;
  eventsTotal: number;
}

export interface RebuildResult {
  projection: string;
  eventsApplied: number;
  rowsWritten: number;
  headPosition: string;
  bulkSeconds: number;
  eventsPerSecond: number;
  catchUpRounds: number;
  switchBlockedMs: number;
  verification: { rows: number; checksum: string; expectedRows: number; expectedChecksum: string; matches: boolean };
}

/**
 * How a rebuild's bulk phase is split: `ranges` slices of the streams, each folded by `folder`.
 * Without it, one range is folded in this process, on two more connections of the rebuild's pool.
 */
export interface Parallelism {
  ranges: number;
  folder: RangeFolder;
}

export class RebuildAlreadyRunning extends Error {
  constructor(projection: string) {
    super(`a rebuild of projection "${projection}" is already running`);
  }
}

export class RebuildVerificationFailed extends Error {}

const MAX_CATCH_UP_ROUNDS = 10;
const SMALL_ENOUGH_TO_SWITCH = 200;
const SWITCH_LOCK_TIMEOUT = '10s';

/**
 * Rebuilds one read table from the event store while the API keeps reading and writing it:
 * bulk-fold every stream from one snapshot into `<table>__rebuild` (ranges of streams at once),
 * catch up on the streams that changed since (found by transaction id), then, holding the live
 * table's lock only for the last small catch-up, swap the tables by renaming and drop the old one.
 * One rebuild per projection at a time (advisory lock). It writes only the projection's table: nothing is published and no
 * worker effect is repeated. Ends by checking the table against a fresh fold of the events.
 */
export async function rebuildProjection(
  db: Database,
  dataKeys: DataKeys,
  projection: StreamProjection,
  onProgress: (progress: RebuildProgress) => void = () => {},
  parallel?: Parallelism,
): Promise<RebuildResult> {
  const { client: control, release: releaseControl } = await db.checkOut();
  const lockKey = `projection-rebuild:${projection.name}`;
  const { rows: lockRows } = await control.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey]);
  if (!lockRows[0].locked) {
    releaseControl();
    throw new RebuildAlreadyRunning(projection.name);
  }
  const { rows: recordRows } = await control.query<{ id: string }>("INSERT INTO projection_rebuilds (projection, status) VALUES ($1, 'running') RETURNING id", [
    projection.name,
  ]);
  const recordId = recordRows[0].id;
  const target = rebuildTableOf(projection);
  try {
    await createEmptyCopy(control, projection, target);
    const started = Date.now();
    const bulk = await bulkLoad(db, projection, target, parallel ?? { ranges: 1, folder: inProcessRangeFolder(db, dataKeys) }, onProgress);
    const bulkSeconds = (Date.now() - started) / 1000;
    await copyIndexes(control, projection, target);
    // Statistics and the visibility map before the table goes live: without them the planner
    // guesses, and list pages cannot skip rows with index-only scans until autovacuum comes by.
    await control.query(`VACUUM (ANALYZE) ${target}`);

    let snapshot = bulk.snapshot;
    let rounds = 0;
    let applied = bulk.eventsApplied;
    for (; rounds < MAX_CATCH_UP_ROUNDS; rounds++) {
      const caughtUp = await catchUp(control, dataKeys, projection, target, snapshot);
      snapshot = caughtUp.snapshot;
      applied += caughtUp.eventsApplied;
      onProgress({ phase: 'catch-up', eventsApplied: applied, eventsTotal: bulk.eventsTotal });
      if (caughtUp.streams < SMALL_ENOUGH_TO_SWITCH) break;
    }

    onProgress({ phase: 'switch', eventsApplied: applied, eventsTotal: bulk.eventsTotal });
    const switchBlockedMs = await switchOver(control, dataKeys, projection, target, snapshot);
    await control.query(`DROP TABLE IF EXISTS ${retiredTableOf(projection)}`);

    onProgress({ phase: 'verify', eventsApplied: applied, eventsTotal: bulk.eventsTotal });
    const verification = await verify(db, dataKeys, projection);
    await control.query(
      `UPDATE projection_rebuilds SET status = $2, finished_at = now(), events_applied = $3, rows_written = $4, head_position = $5, checksum = $6, switch_blocked_ms = $7, error = $8 WHERE id = $1`,
      [
        recordId,
        verification.matches ? 'succeeded' : 'failed',
        applied,
        verification.rows,
        bulk.headPosition,
        verification.checksum,
        Math.round(switchBlockedMs),
        verification.matches ? null : `verification failed: table ${verification.checksum}, events ${verification.expectedChecksum}`,
      ],
    );
    const result: RebuildResult = {
      projection: projection.name,
      eventsApplied: applied,
      rowsWritten: verification.rows,
      headPosition: bulk.headPosition,
      bulkSeconds,
      eventsPerSecond: bulkSeconds > 0 ? Math.round(bulk.eventsApplied / bulkSeconds) : bulk.eventsApplied,
      catchUpRounds: rounds + 1,
      switchBlockedMs,
      verification,
    };
    if (!verification.matches) throw Object.assign(new RebuildVerificationFailed(`rebuilt ${projection.name} does not match the events`), { result });
    return result;
  } catch (error) {
    await control.query(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined);
    if (!(error instanceof RebuildVerificationFailed)) {
      await control
        .query("UPDATE projection_rebuilds SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1", [
          recordId,
          error instanceof Error ? error.message : String(error),
        ])
        .catch(() => undefined);
    }
    throw error;
  } finally {
    await control.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    releaseControl();
  }
}

/**
 * Folds every end-user stream visible in one REPEATABLE READ snapshot into `target`, the ranges of
 * streams in parallel, each through `parallel.folder` in that snapshot (exported); returns it.
 */
async function bulkLoad(db: Database, projection: StreamProjection, target: string, parallel: Parallelism, onProgress: (progress: RebuildProgress) => void) {
  const { client: reader, release } = await db.checkOut();
  try {
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await reader.query<{ exported: string; snapshot: string; total: string; head: string }>(
      `SELECT pg_export_snapshot() AS exported, pg_current_snapshot()::text AS snapshot, count(*) AS total, coalesce(max(global_position), 0)::text AS head ${END_USER_EVENTS}`,
      [...END_USER_EVENTS_PARAMS],
    );
    const eventsTotal = Number(rows[0].total);
    const ranges = streamRanges(parallel.ranges);
    const read = ranges.map(() => 0);
    const folded = await Promise.allSettled(
      ranges.map((range, index) =>
        parallel.folder({ snapshotId: rows[0].exported, projection: projection.name, target, range }, (eventsRead) => {
          read[index] = eventsRead;
          onProgress({ phase: 'bulk', eventsApplied: read.reduce((sum, n) => sum + n, 0), eventsTotal });
        }),
      ),
    );
    const failed = folded.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    const eventsApplied = folded.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0);
    await reader.query('COMMIT');
    return { snapshot: rows[0].snapshot, eventsTotal, eventsApplied, headPosition: rows[0].head };
  } catch (error) {
    await reader.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    release();
  }
}

/**
 * Refolds, from all of their events, the streams that have an event not visible in `since`, and
 * replaces their rows in `target`. Runs on `client`, inside its transaction if it has one.
 */
async function catchUp(client: PoolClient, dataKeys: DataKeys, projection: StreamProjection, target: string, since: string) {
  const { rows: now } = await client.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
  const { rows: changed } = await client.query<{ stream_id: string }>(
    `SELECT DISTINCT stream_id FROM events
     WHERE transaction_id >= pg_snapshot_xmin($2::pg_snapshot) AND NOT pg_visible_in_snapshot(transaction_id, $2::pg_snapshot)
       AND stream_id LIKE $1`,
    [...END_USER_EVENTS_PARAMS, since],
  );
  let eventsApplied = 0;
  for (let start = 0; start < changed.length; start += 1_000) {
    const streamIds = changed.slice(start, start + 1_000).map((row) => row.stream_id);
    const events = await eventRowsOfStreams(client, streamIds);
    const folder = new StreamFolder(dataKeys);
    const folded = [...folder.push(events), ...folder.flush()];
    eventsApplied += events.length;
    await client.query(`DELETE FROM ${target} WHERE ${projection.endUserColumn} = ANY($1::uuid[])`, [streamIds.map(endUserIdOfStream)]);
    await insertRows(client, target, projection, rowsOfStreams(projection, folded));
  }
  return { snapshot: now[0].snapshot, streams: changed.length, eventsApplied };
}

/** Holds the live table's lock only for the final small catch-up and the renames; returns how long. */
async function switchOver(client: PoolClient, dataKeys: DataKeys, projection: StreamProjection, target: string, since: string): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = '${SWITCH_LOCK_TIMEOUT}'`);
    // Requests on the table queue from the moment the lock is requested until the commit.
    const requested = process.hrtime.bigint();
    await client.query(`LOCK TABLE ${projection.table} IN ACCESS EXCLUSIVE MODE`);
    await catchUp(client, dataKeys, projection, target, since);
    await swapIn(client, projection, target);
    await projection.derived?.recompute(sqlOfClient(client));
    await client.query('COMMIT');
    return Number(process.hrtime.bigint() - requested) / 1e6;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** In one snapshot: the live table against a fresh fold of the events, by row count and checksum. */
async function verify(db: Database, dataKeys: DataKeys, projection: StreamProjection): Promise<RebuildResult['verification']> {
  const { client, release } = await db.checkOut();
  const expectedTable = `expected_${projection.table}`;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const live = await tableChecksum(client, projection.table);
    await client.query(`CREATE TEMP TABLE ${expectedTable} (LIKE ${projection.table}) ON COMMIT DROP`);
    await writeExpectedRows(client, dataKeys, [{ projection, table: expectedTable }]);
    const expected = await tableChecksum(client, expectedTable);
    await client.query('COMMIT');
    return {
      rows: live.rows,
      checksum: live.checksum,
      expectedRows: expected.rows,
      expectedChecksum: expected.checksum,
      matches: live.checksum === expected.checksum,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    release();
  }
}
