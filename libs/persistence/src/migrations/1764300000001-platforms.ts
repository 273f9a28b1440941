import { MigrationInterface, QueryRunner } from 'typeorm';

export class Platforms1764300000001 implements MigrationInterface {
  name = 'Platforms1764300000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE platforms (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE platform_api_keys (
        id uuid PRIMARY KEY,
        platform_id uuid NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
        key_hash bytea NOT NULL,
        key_prefix text NOT NULL,
        name text NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT platform_api_keys_hash_unique UNIQUE (key_hash)
      )`);
    await db.query('CREATE INDEX platform_api_keys_platform ON platform_api_keys (platform_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE platform_api_keys');
    await db.query('DROP TABLE platforms');
  }
}
