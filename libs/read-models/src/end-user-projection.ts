import { EndUserReadModelChange } from '@app/end-users';
import { andOnlyIf, onlyIf, Sql, Statement } from '@app/persistence';
import { countShardOf } from './end-user-count-shard';

/**
 * Adds to `statement` the CTEs that carry out one read-model change on end_users,
 * end_user_api_keys and the per-platform counts, only if `guard` produced a row. A row already at
 * or past `streamVersion` is left alone, so replays are no-ops, and the count moves only when a
 * row is really inserted or deleted.
 */
export function withEndUserProjection(statement: Statement, change: EndUserReadModelChange, guard?: string): void {
  const p = (value: unknown, cast?: string) => statement.param(value, cast);
  if (change.kind === 'remove') {
    const id = p(change.endUserId, 'uuid');
    statement.with('removed_user', `DELETE FROM end_users WHERE id = ${id} ${andOnlyIf(guard)} RETURNING platform_id`);
    statement.with('removed_keys', `DELETE FROM end_user_api_keys WHERE end_user_id = ${id} ${andOnlyIf(guard)}`);
    statement.with(
      'uncounted',
      `UPDATE platform_end_user_counts SET count = count - 1
       WHERE platform_id = (SELECT platform_id FROM removed_user) AND shard = ${p(countShardOf(change.endUserId), 'smallint')}`,
    );
    return;
  }
  const { user, streamVersion, newKeys } = change;
  const id = p(user.id, 'uuid');
  const platformId = p(user.platformId, 'uuid');
  statement.with(
    'user_row',
    `INSERT INTO end_users (id, platform_id, external_id, display_name, metadata, is_active, created_at, updated_at, stream_version)
     SELECT ${id}, ${platformId}, ${p(user.externalId)}, ${p(user.displayName, 'text')}, ${p(JSON.stringify(user.metadata), 'jsonb')}, ${p(user.isActive, 'boolean')},
            ${p(user.createdAt, 'timestamptz')}, ${p(user.updatedAt, 'timestamptz')}, ${p(streamVersion, 'int')}
     ${onlyIf(guard)}
     ON CONFLICT (id) DO UPDATE SET
       display_name = EXCLUDED.display_name, metadata = EXCLUDED.metadata, is_active = EXCLUDED.is_active,
       updated_at = EXCLUDED.updated_at, stream_version = EXCLUDED.stream_version
     WHERE end_users.stream_version < EXCLUDED.stream_version
     RETURNING (xmax = 0) AS inserted`,
  );
  statement.with(
    'user_counted',
    `INSERT INTO platform_end_user_counts (platform_id, shard, count)
     SELECT ${platformId}, ${p(countShardOf(user.id), 'smallint')}, 1 FROM user_row WHERE user_row.inserted
     ON CONFLICT (platform_id, shard) DO UPDATE SET count = platform_end_user_counts.count + 1`,
  );
  statement.with(
    'user_keys',
    `INSERT INTO end_user_api_keys (id, platform_id, end_user_id, key_prefix, name, scopes, is_active, created_at)
     SELECT k.id, ${platformId}, ${id}, k.key_prefix, k.name, k.scopes, true, k.created_at
     FROM jsonb_to_recordset(${p(
       JSON.stringify(newKeys.map((key) => ({ id: key.keyId, key_prefix: key.keyPrefix, name: key.name, scopes: key.scopes, created_at: key.issuedAt }))),
       'jsonb',
     )}) AS k(id uuid, key_prefix text, name text, scopes text[], created_at timestamptz)
     ${onlyIf(guard)}
     ON CONFLICT (id) DO NOTHING`,
  );
}

/** Carries out one read-model change in its own statement; runs in the caller's transaction. */
export async function applyEndUserProjection(sql: Sql, change: EndUserReadModelChange | null): Promise<void> {
  if (change === null) return;
  const statement = new Statement();
  withEndUserProjection(statement, change);
  await statement.run(sql, 'SELECT 1');
}
