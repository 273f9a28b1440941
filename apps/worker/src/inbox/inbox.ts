import { Sql } from '@app/persistence';

/**
 * Records that `consumer` processed `eventId`; false if it already had. Runs in the caller's
 * transaction, the one that performs the effect, so the effect happens at most once.
 */
export async function recordProcessed(sql: Sql, consumer: string, eventId: string): Promise<boolean> {
  const rows = await sql.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id', [
    consumer,
    eventId,
  ]);
  return rows.length === 1;
}
