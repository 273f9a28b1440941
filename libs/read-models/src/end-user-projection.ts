import { EndUserReadModelChange } from '@app/end-users';
import { Sql } from '@app/persistence';
import { countShardOf } from './end-user-count-shard';

/**
 * Carries out one read-model change on end_users, end_user_api_keys and the per-platform counts;
 * runs in the caller's transaction. A row already at or past `streamVersion` is left alone, so
 * replays are no-ops, and the count moves only when a row is really inserted or deleted.
 */
export async function applyEndUserProjection(sql: Sql, change: EndUserReadModelChange | null): Promise<void> {
  if (change === null) return;
  if (change.kind === 'remove') {
    await sql.query(
      `WITH removed_user AS (DELETE FROM end_users WHERE id = $1 RETURNING platform_id),
            removed_keys AS (DELETE FROM end_user_api_keys WHERE end_user_id = $1)
       UPDATE platform_end_user_counts SET count = count - 1
       WHERE platform_id = (SELECT platform_id FROM removed_user) AND shard = $2`,
      [change.endUserId, countShardOf(change.endUserId)],
    );
    return;
  }
  const { user, streamVersion, newKeys } = change;
  await sql.query(
    `WITH upserted AS (
       INSERT INTO end_users (id, platform_id, external_id, display_name, metadata, is_active, created_at, updated_at, stream_version)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET
         display_name = EXCLUDED.display_name, metadata = EXCLUDED.metadata, is_active = EXCLUDED.is_active,
         updated_at = EXCLUDED.updated_at, stream_version = EXCLUDED.stream_version
       WHERE end_users.stream_version < EXCLUDED.stream_version
       RETURNING (xmax = 0) AS inserted
     ),
     counted AS (
       INSERT INTO platform_end_user_counts (platform_id, shard, count)
       SELECT $2, $11, 1 FROM upserted WHERE upserted.inserted
       ON CONFLICT (platform_id, shard) DO UPDATE SET count = platform_end_user_counts.count + 1
     )
     INSERT INTO end_user_api_keys (id, platform_id, end_user_id, key_prefix, name, scopes, is_active, created_at)
     SELECT k.id, $2, $1, k.key_prefix, k.name, k.scopes, true, k.created_at
     FROM jsonb_to_recordset($10::jsonb) AS k(id uuid, key_prefix text, name text, scopes text[], created_at timestamptz)
     ON CONFLICT (id) DO NOTHING`,
    [
      user.id,
      user.platformId,
      user.externalId,
      user.displayName,
      JSON.stringify(user.metadata),
      user.isActive,
      user.createdAt,
      user.updatedAt,
      streamVersion,
      JSON.stringify(newKeys.map((key) => ({ id: key.keyId, key_prefix: key.keyPrefix, name: key.name, scopes: key.scopes, created_at: key.issuedAt }))),
      countShardOf(user.id),
    ],
  );
}
