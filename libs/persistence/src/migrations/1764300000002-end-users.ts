import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Write side: the external id claims and the key hashes are written by command handlers in the
 * append transaction (hashes never enter events, so they cannot live in a rebuildable projection).
 * Read side: end_users and end_user_api_keys are projections of the event store.
 */
export class EndUsers1764300000002 implements MigrationInterface {
  name = 'EndUsers1764300000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE end_user_external_ids (
        platform_id uuid NOT NULL,
        external_id text NOT NULL,
        end_user_id uuid NOT NULL,
        CONSTRAINT end_user_external_ids_pkey PRIMARY KEY (platform_id, external_id),
        CONSTRAINT end_user_external_ids_end_user_unique UNIQUE (end_user_id)
      )`);
    await db.query(`
      CREATE TABLE end_user_key_hashes (
        key_id uuid PRIMARY KEY,
        key_hash bytea NOT NULL,
        end_user_id uuid NOT NULL,
        platform_id uuid NOT NULL,
        CONSTRAINT end_user_key_hashes_hash_unique UNIQUE (key_hash)
      )`);
    await db.query('CREATE INDEX end_user_key_hashes_end_user ON end_user_key_hashes (end_user_id)');
    await db.query(`
      CREATE TABLE end_users (
        id uuid PRIMARY KEY,
        platform_id uuid NOT NULL,
        external_id text NOT NULL,
        display_name text,
        metadata jsonb NOT NULL,
        is_active boolean NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        stream_version integer NOT NULL
      )`);
    await db.query('CREATE UNIQUE INDEX end_users_platform_external_id ON end_users (platform_id, external_id)');
    await db.query('CREATE INDEX end_users_platform_order ON end_users (platform_id, created_at, id)');
    await db.query(`
      CREATE TABLE end_user_api_keys (
        id uuid PRIMARY KEY,
        platform_id uuid NOT NULL,
        end_user_id uuid NOT NULL,
        key_prefix text NOT NULL,
        name text NOT NULL,
        scopes text[] NOT NULL,
        is_active boolean NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await db.query('CREATE INDEX end_user_api_keys_end_user ON end_user_api_keys (end_user_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE end_user_api_keys');
    await db.query('DROP TABLE end_users');
    await db.query('DROP TABLE end_user_key_hashes');
    await db.query('DROP TABLE end_user_external_ids');
  }
}
