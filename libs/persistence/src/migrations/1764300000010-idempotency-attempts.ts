import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which attempt holds an Idempotency-Key: a failed attempt frees exactly its own claim, even when
 * it cannot tell whether its claim committed, and never a later attempt's.
 */
export class IdempotencyAttempts1764300000010 implements MigrationInterface {
  name = 'IdempotencyAttempts1764300000010';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE idempotency_keys ADD COLUMN attempt uuid');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE idempotency_keys DROP COLUMN attempt');
  }
}
