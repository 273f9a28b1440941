import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * events(transaction_id) lets a projection rebuild find, cheaply, the events that committed after
 * the snapshot it bulk-loaded from. projection_rebuilds is the operators' record of each rebuild.
 */
export class ProjectionOperations1764300000005 implements MigrationInterface {
  name = 'ProjectionOperations1764300000005';

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX events_transaction_id ON events (transaction_id)');
    await db.query(`
      CREATE TABLE projection_rebuilds (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        projection text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        events_applied bigint NOT NULL DEFAULT 0,
        rows_written bigint NOT NULL DEFAULT 0,
        head_position bigint,
        checksum text,
        switch_blocked_ms integer,
        error text
      )`);
    await db.query('CREATE INDEX projection_rebuilds_latest ON projection_rebuilds (projection, id DESC)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_rebuilds');
    await db.query('DROP INDEX events_transaction_id');
  }
}
