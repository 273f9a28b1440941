import type { DataKeys } from '@app/personal-data';
import { sqlOfClient, type Database } from '@app/persistence';
import { STREAM_PROJECTIONS, StreamProjection } from './read-models';
import type { PoolClient } from 'pg';
import { writeExpectedRows } from './fold-streams';

export interface ProjectionStatus {
  projection: string;
  mode: 'inline';
  headPosition: string;
  rows: number;
  /** End users whose rows differ from what their events give (0 when the projection is current). */
  streamsBehind: number;
  /** end_users only: platforms whose maintained total differs from their rows (0 when right). */
  platformsWithWrongTotal?: number;
  lastRebuild: {
    status: string;
    startedAt: string;
    finishedAt: string | null;
    eventsApplied: number;
    switchBlockedMs: number | null;
    error: string | null;
  } | null;
}

/**
 * Where each projection stands against the event store, in one snapshot: every end-user stream is
 * folded through the event codec (as a rebuild does) and the rows its projections define are
 * compared with the live tables.
 */
export async function projectionStatuses(db: Database, dataKeys: DataKeys): Promise<ProjectionStatus[]> {
  const { client, release } = await db.checkOut();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const { rows: head } = await client.query<{ head: string }>('SELECT coalesce(max(global_position), 0)::text AS head FROM events');
    const targets = STREAM_PROJECTIONS.map((projection) => ({ projection, table: `status_expected_${projection.table}` }));
    for (const { projection, table } of targets) await client.query(`CREATE TEMP TABLE ${table} (LIKE ${projection.table}) ON COMMIT DROP`);
    await writeExpectedRows(client, dataKeys, targets);
    const statuses: ProjectionStatus[] = [];
    for (const { projection, table } of targets) statuses.push(await statusOf(client, projection, table, head[0].head));
    await client.query('COMMIT');
    return statuses;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    release();
  }
}

async function statusOf(client: PoolClient, projection: StreamProjection, expected: string, headPosition: string): Promise<ProjectionStatus> {
  const { table, endUserColumn } = projection;
  const columns = projection.columns.join(', ');
  const { rows: counted } = await client.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${table}`);
  const { rows: behind } = await client.query<{ behind: string }>(
    `SELECT count(DISTINCT ${endUserColumn}) AS behind FROM (
       (SELECT ${columns} FROM ${table} EXCEPT ALL SELECT ${columns} FROM ${expected})
       UNION ALL
       (SELECT ${columns} FROM ${expected} EXCEPT ALL SELECT ${columns} FROM ${table})
     ) differing`,
  );
  const { rows: rebuilds } = await client.query<{
    status: string;
    started_at: Date;
    finished_at: Date | null;
    events_applied: string;
    switch_blocked_ms: number | null;
    error: string | null;
  }>(
    'SELECT status, started_at, finished_at, events_applied, switch_blocked_ms, error FROM projection_rebuilds WHERE projection = $1 ORDER BY id DESC LIMIT 1',
    [projection.name],
  );
  const last = rebuilds[0];
  const wrongTotals = await projection.derived?.mismatches(sqlOfClient(client));
  return {
    ...(wrongTotals !== undefined && { platformsWithWrongTotal: wrongTotals }),
    projection: projection.name,
    mode: 'inline',
    headPosition,
    rows: Number(counted[0].rows),
    streamsBehind: Number(behind[0].behind),
    lastRebuild: last
      ? {
          status: last.status,
          startedAt: last.started_at.toISOString(),
          finishedAt: last.finished_at?.toISOString() ?? null,
          eventsApplied: Number(last.events_applied),
          switchBlockedMs: last.switch_blocked_ms,
          error: last.error,
        }
      : null,
  };
}
