import { scrapedGauge } from '@app/http';
import { Database } from '@app/persistence';
import { Injectable } from '@nestjs/common';

/** Gauges read from the database when Prometheus scrapes the API: outbox backlog and rebuilds. */
@Injectable()
export class OperationalMetrics {
  constructor(db: Database) {
    let backlog: Promise<{ count: number; age: number }> | null = null;
    // One query serves both outbox gauges of a scrape.
    const readBacklog = () => {
      backlog ??= db.pooled
        .query<{ count: string; age: number | null }>(
          'SELECT count(*) AS count, extract(epoch FROM now() - min(created_at))::float8 AS age FROM outbox WHERE published_at IS NULL',
        )
        .then(([row]) => ({ count: Number(row.count), age: row.age ?? 0 }))
        .finally(() => setTimeout(() => (backlog = null), 100));
      return backlog;
    };
    scrapedGauge('end_users_outbox_backlog_events', 'Outbox rows not yet published', [], async (gauge) => gauge.set((await readBacklog()).count));
    scrapedGauge('end_users_outbox_oldest_unpublished_age_seconds', 'Age of the oldest unpublished outbox row (0 when none)', [], async (gauge) =>
      gauge.set((await readBacklog()).age),
    );
    scrapedGauge(
      'end_users_projection_rebuild_events_applied',
      'Events applied by the latest rebuild of each projection',
      ['projection', 'status'],
      async (gauge) => {
        const rows = await db.pooled.query<{ projection: string; status: string; events_applied: string }>(
          'SELECT DISTINCT ON (projection) projection, status, events_applied FROM projection_rebuilds ORDER BY projection, id DESC',
        );
        for (const row of rows) gauge.set({ projection: row.projection, status: row.status }, Number(row.events_applied));
      },
    );
  }
}
