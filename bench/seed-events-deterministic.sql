-- Seeds :users end users of one platform straight into the event store (created, then every third
-- one updated), with their external-id claims; read tables are then built by a rebuild. User n of
-- the platform gets the id md5(platform || '-' || n)::uuid, so a load generator or pgbench can pick
-- a random seeded user without a list of ids. psql -v users=1000000 -v platform="'<uuid>'" -f bench/seed-events-deterministic.sql
BEGIN;
CREATE TEMP TABLE seed ON COMMIT DROP AS
SELECT md5(:platform || '-' || n)::uuid AS end_user_id, gen_random_uuid() AS key_id, n,
       timestamptz '2026-01-01' + make_interval(secs => n) AS at
FROM generate_series(1, :users) AS n;

INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
SELECT gen_random_uuid(), 'end_user-' || end_user_id, 1, 'EndUserCreated', 1,
       jsonb_build_object(
         'endUserId', end_user_id, 'platformId', :platform, 'externalId', 'seed-' || n,
         'displayName', 'Seeded user ' || n, 'metadata', jsonb_build_object('plan', 'pro', 'n', n),
         'createdAt', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'apiKey', jsonb_build_object('keyId', key_id, 'name', 'Default key', 'scopes', jsonb_build_array('inference'), 'keyPrefix', 'sk-eu_00',
                                      'issuedAt', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
         'budget', null),
       jsonb_build_object('requestId', 'seed', 'actorKeyId', null, 'occurredAt', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
FROM seed ORDER BY n;

INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
SELECT gen_random_uuid(), 'end_user-' || end_user_id, 2, 'EndUserUpdated', 1,
       jsonb_build_object('endUserId', end_user_id, 'changes', jsonb_build_object('displayName', 'Renamed ' || n),
                          'updatedAt', to_char((at + interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
       jsonb_build_object('requestId', 'seed', 'actorKeyId', null, 'occurredAt', to_char((at + interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
FROM seed WHERE n % 3 = 0 ORDER BY n;

INSERT INTO end_user_external_ids (platform_id, external_id, end_user_id)
SELECT (:platform)::uuid, 'seed-' || n, end_user_id FROM seed;
COMMIT;
