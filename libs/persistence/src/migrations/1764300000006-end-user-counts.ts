import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The number of end users per platform, kept by the end_users projection so a list's `total`
 * never scans. Sixteen shards per platform (by the first hex digit of the user id) keep parallel
 * creates on one platform from queueing on a single counter row.
 */
export class EndUserCounts1764300000006 implements MigrationInterface {
  name = 'EndUserCounts1764300000006';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE platform_end_user_counts (
        platform_id uuid NOT NULL,
        shard smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
        count bigint NOT NULL,
        CONSTRAINT platform_end_user_counts_pkey PRIMARY KEY (platform_id, shard)
      )`);
    await db.query(`
      INSERT INTO platform_end_user_counts (platform_id, shard, count)
      SELECT platform_id, ('x' || substr(id::text, 1, 1))::bit(4)::int, count(*) FROM end_users GROUP BY 1, 2`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE platform_end_user_counts');
  }
}
