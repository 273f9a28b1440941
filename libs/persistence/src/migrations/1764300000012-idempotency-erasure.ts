import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which end user a stored idempotent response concerns, so that the user's DELETE destroys it in
 * its own statement (`erased_at` set, body gone); a replay of the key then answers 410 gone.
 */
export class IdempotencyErasure1764300000012 implements MigrationInterface {
  name = 'IdempotencyErasure1764300000012';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE idempotency_keys ADD COLUMN end_user_id uuid, ADD COLUMN erased_at timestamptz');
    await db.query('CREATE INDEX idempotency_keys_end_user_id ON idempotency_keys (end_user_id) WHERE end_user_id IS NOT NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX idempotency_keys_end_user_id');
    await db.query('ALTER TABLE idempotency_keys DROP COLUMN erased_at, DROP COLUMN end_user_id');
  }
}
