import { Sql } from '@app/persistence';

export interface OutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
}

/** Records messages for publishing; runs in the caller's (the append's) transaction. */
export async function enqueueOutboxMessages(sql: Sql, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await sql.query(
    `INSERT INTO outbox (event_id, topic, message_key, payload, headers)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
    [
      messages.map((message) => message.eventId),
      messages.map((message) => message.topic),
      messages.map((message) => message.key),
      messages.map((message) => message.payload),
      messages.map((message) => JSON.stringify(message.headers)),
    ],
  );
}
