import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every relay read starts from the lowest unpublished outbox id, and marking a row sent leaves a
 * dead entry in the unpublished-rows index until vacuum. With the default threshold (20 % of a
 * table that keeps a day of sent rows) millions of dead entries would pile up between vacuums and
 * every read would walk them: vacuum the outbox after every 10,000 changed rows instead.
 */
export class OutboxAutovacuum1764300000011 implements MigrationInterface {
  name = 'OutboxAutovacuum1764300000011';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold)',
    );
  }
}
