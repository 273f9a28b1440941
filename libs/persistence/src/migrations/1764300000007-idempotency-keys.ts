import { MigrationInterface, QueryRunner } from 'typeorm';

/** Stored first responses of mutating requests by (platform, Idempotency-Key), kept 24 hours. */
export class IdempotencyKeys1764300000007 implements MigrationInterface {
  name = 'IdempotencyKeys1764300000007';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_keys (
        platform_id uuid NOT NULL,
        key text NOT NULL,
        fingerprint bytea NOT NULL,
        status integer,
        body jsonb,
        headers jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        locked_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (platform_id, key)
      )`);
    await db.query('CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE idempotency_keys');
  }
}
