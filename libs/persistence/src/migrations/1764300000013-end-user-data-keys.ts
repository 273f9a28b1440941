import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each end user's data key, wrapped by a key-encryption key (kek_id names it). The personal fields
 * of the user's events are sealed with it; the user's DELETE deletes the row (crypto-shredding).
 * Not append-only, unlike the events: a row is rewrapped under a new KEK, and destroyed.
 * The outbox's payload becomes nullable: the relay removes a row's message once it is published.
 */
export class EndUserDataKeys1764300000013 implements MigrationInterface {
  name = 'EndUserDataKeys1764300000013';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE end_user_data_keys (
        end_user_id uuid PRIMARY KEY,
        kek_id text NOT NULL,
        wrapped_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX end_user_data_keys_kek ON end_user_data_keys (kek_id)');
    // A published outbox row keeps its bookkeeping, not the message: the relay empties the payload.
    await db.query('ALTER TABLE outbox ALTER COLUMN payload DROP NOT NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query("UPDATE outbox SET payload = '{}' WHERE payload IS NULL");
    await db.query('ALTER TABLE outbox ALTER COLUMN payload SET NOT NULL');
    await db.query('DROP TABLE end_user_data_keys');
  }
}
