import { onlyIf, Statement } from '@app/persistence';
import { OutboxRecord } from './outbox-record';

/**
 * Adds to `statement` the CTE `queued`: the outbox rows of `records`, written only if the CTE
 * `guard` (when given) produced a row. In the statement that appends their events, so a published
 * event and its stored event commit together or not at all.
 */
export function withOutboxRecords(statement: Statement, records: readonly OutboxRecord[], guard?: string): void {
  if (records.length === 0) return;
  const p = (value: unknown, cast: string) => statement.param(value, cast);
  statement.with(
    'queued',
    `INSERT INTO outbox (event_id, topic, message_key, payload, headers)
     SELECT * FROM unnest(${p(
       records.map((record) => record.eventId),
       'uuid[]',
     )}, ${p(
       records.map((record) => record.topic),
       'text[]',
     )}, ${p(
       records.map((record) => record.key),
       'text[]',
     )}, ${p(
       records.map((record) => record.payload),
       'text[]',
     )}, ${p(
       records.map((record) => JSON.stringify(record.headers)),
       'jsonb[]',
     )})
     ${onlyIf(guard)}`,
  );
}
