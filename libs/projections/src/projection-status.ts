import type { Database } from '@app/persistence';
import { STREAM_PROJECTIONS, StreamProjection } from './stream-projections';

export interface ProjectionStatus {
  projection: string;
  mode: 'inline';
  headPosition: string;
  rows: number;
  /** End users whose read row is not at their stream's latest version (0 when the projection is current). */
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

const LAG_QUERY: Record<string, string> = {
  end_users: `
    WITH heads AS (SELECT stream_id, max(stream_version) AS version, bool_or(event_type = 'EndUserDeleted') AS deleted
                   FROM events WHERE stream_id LIKE 'end_user-%' GROUP BY stream_id)
    SELECT count(*) AS behind FROM heads h
    LEFT JOIN end_users u ON u.id = substr(h.stream_id, 10)::uuid
    WHERE (NOT h.deleted AND u.stream_version IS DISTINCT FROM h.version) OR (h.deleted AND u.id IS NOT NULL)`,
  end_user_api_keys: `
    WITH issued AS (SELECT coalesce(payload->'apiKey'->>'keyId', '') AS key_id, stream_id FROM events
                    WHERE event_type IN ('EndUserCreated', 'EndUserApiKeyIssued')),
         live_streams AS (SELECT stream_id FROM events WHERE stream_id LIKE 'end_user-%' GROUP BY stream_id HAVING NOT bool_or(event_type = 'EndUserDeleted'))
    SELECT count(DISTINCT i.stream_id) AS behind FROM issued i JOIN live_streams s USING (stream_id)
    LEFT JOIN end_user_api_keys k ON k.id = i.key_id::uuid WHERE k.id IS NULL`,
};

/** Where each projection stands against the head of the event store. */
export async function projectionStatuses(db: Database): Promise<ProjectionStatus[]> {
  const head = await db.query<{ head: string }>('SELECT coalesce(max(global_position), 0)::text AS head FROM events');
  return Promise.all(STREAM_PROJECTIONS.map((projection) => statusOf(db, projection, head[0].head)));
}

async function statusOf(db: Database, projection: StreamProjection, headPosition: string): Promise<ProjectionStatus> {
  const [counted, lag, rebuilds] = await Promise.all([
    db.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${projection.table}`),
    db.query<{ behind: string }>(LAG_QUERY[projection.name]),
    db.query<{ status: string; started_at: Date; finished_at: Date | null; events_applied: string; switch_blocked_ms: number | null; error: string | null }>(
      'SELECT status, started_at, finished_at, events_applied, switch_blocked_ms, error FROM projection_rebuilds WHERE projection = $1 ORDER BY id DESC LIMIT 1',
      [projection.name],
    ),
  ]);
  const last = rebuilds[0];
  const totals =
    projection.name === 'end_users'
      ? await db.query<{ wrong: string }>(
          `SELECT count(*) AS wrong FROM (SELECT platform_id, sum(count) AS total FROM platform_end_user_counts GROUP BY 1) c
           FULL JOIN (SELECT platform_id, count(*) AS total FROM end_users GROUP BY 1) u USING (platform_id)
           WHERE coalesce(c.total, 0) <> coalesce(u.total, 0)`,
        )
      : null;
  return {
    ...(totals && { platformsWithWrongTotal: Number(totals[0].wrong) }),
    projection: projection.name,
    mode: 'inline',
    headPosition,
    rows: Number(counted[0].rows),
    streamsBehind: Number(lag[0].behind),
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
