import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * outbox: one row per event to publish, written in the append transaction; the relay marks a row
 * published only after the broker acknowledged it. processed_events: the worker's inbox, written
 * in the same transaction as the effect of the event it names.
 */
export class OutboxAndInbox1764300000003 implements MigrationInterface {
  name = 'OutboxAndInbox1764300000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id uuid NOT NULL,
        topic text NOT NULL,
        message_key text NOT NULL,
        payload text NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        published_at timestamptz,
        CONSTRAINT outbox_event_id_unique UNIQUE (event_id)
      )`);
    await db.query('CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL');
    await db.query('CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL');
    await db.query(`
      CREATE TABLE processed_events (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT processed_events_pkey PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE processed_events');
    await db.query('DROP TABLE outbox');
  }
}
