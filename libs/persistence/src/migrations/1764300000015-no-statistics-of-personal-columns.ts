import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ANALYZE keeps sample values of each column in pg_statistic (readable through pg_stats): for the
 * personal columns of the read tables that is a copy an erasure cannot reach. Without statistics
 * on them, no sample is taken; their lookups go through unique indexes and need no estimates.
 */
export class NoStatisticsOfPersonalColumns1764300000015 implements MigrationInterface {
  name = 'NoStatisticsOfPersonalColumns1764300000015';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE end_users ALTER COLUMN external_id SET STATISTICS 0, ALTER COLUMN display_name SET STATISTICS 0, ALTER COLUMN metadata SET STATISTICS 0',
    );
    await db.query('ALTER TABLE end_user_external_ids ALTER COLUMN external_id SET STATISTICS 0');
    // Samples taken before this migration stay until removed by hand: only a superuser may.
    await db.query(`DO $$ BEGIN
      DELETE FROM pg_statistic WHERE (starelid, staattnum) IN (
        SELECT attrelid, attnum FROM pg_attribute
        WHERE (attrelid = 'end_users'::regclass AND attname IN ('external_id', 'display_name', 'metadata'))
           OR (attrelid = 'end_user_external_ids'::regclass AND attname = 'external_id'));
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'old statistics of personal columns kept: a superuser can delete them from pg_statistic';
    END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE end_users ALTER COLUMN external_id SET STATISTICS -1, ALTER COLUMN display_name SET STATISTICS -1, ALTER COLUMN metadata SET STATISTICS -1',
    );
    await db.query('ALTER TABLE end_user_external_ids ALTER COLUMN external_id SET STATISTICS -1');
  }
}
