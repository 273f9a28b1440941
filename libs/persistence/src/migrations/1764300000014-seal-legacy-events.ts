import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events table stays append-only, with one exception for `data-keys seal-legacy` (the CLI step
 * that seals the personal fields of events written before they were sealed): an UPDATE passes only
 * in a transaction that has run `SET LOCAL end_users.sealing_legacy_events = 'on'`, only on an
 * EndUserCreated, EndUserUpdated or EndUserDeleted event, and only if it turns schema version 1
 * into 2 and changes no column but `payload` and `schema_version` (every other column, present or
 * added later, is compared). Everything else is refused as before; DELETE always.
 */
export class SealLegacyEvents1764300000014 implements MigrationInterface {
  name = 'SealLegacyEvents1764300000014';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE'
           AND current_setting('end_users.sealing_legacy_events', true) = 'on'
           AND OLD.event_type IN ('EndUserCreated', 'EndUserUpdated', 'EndUserDeleted')
           AND OLD.schema_version = 1 AND NEW.schema_version = 2
           AND to_jsonb(NEW) - 'payload' - 'schema_version' = to_jsonb(OLD) - 'payload' - 'schema_version'
        THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the events table is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
      END $$`);
  }

  // Events already sealed stay sealed (version 2 is what the code reads and writes); only the exception goes.
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the events table is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
      END $$`);
  }
}
