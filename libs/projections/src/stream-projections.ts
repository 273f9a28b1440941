import { EndUserState } from '@app/end-users';
import { COUNT_SHARD_SQL } from '@app/read-models';
import type { ClientBase } from 'pg';

/**
 * A read table that is a pure function of each end-user stream's folded state. The live table is
 * kept by the inline projection (libs/read-models); a rebuild recomputes it from the events.
 */
export interface StreamProjection {
  name: string;
  table: string;
  /** Columns in table order; `rowsOf` returns values in this order. */
  columns: readonly string[];
  /** SQL type of each column, for jsonb_to_recordset. */
  types: readonly string[];
  /** The column naming the end user a row belongs to. */
  endUserColumn: string;
  rowsOf(state: EndUserState, streamVersion: number): unknown[][];
  /** Tables derived from this one, recomputed in the switch transaction while the table is locked. */
  afterSwap?(client: ClientBase): Promise<void>;
}

export const END_USERS_PROJECTION: StreamProjection = {
  name: 'end_users',
  table: 'end_users',
  columns: ['id', 'platform_id', 'external_id', 'display_name', 'metadata', 'is_active', 'created_at', 'updated_at', 'stream_version'],
  types: ['uuid', 'uuid', 'text', 'text', 'jsonb', 'boolean', 'timestamptz', 'timestamptz', 'integer'],
  endUserColumn: 'id',
  rowsOf(state, streamVersion) {
    if (state.status !== 'existing') return [];
    const user = state.user;
    return [[user.id, user.platformId, user.externalId, user.displayName, user.metadata, user.isActive, user.createdAt, user.updatedAt, streamVersion]];
  },
  async afterSwap(client) {
    await client.query('DELETE FROM platform_end_user_counts');
    await client.query(
      `INSERT INTO platform_end_user_counts (platform_id, shard, count) SELECT platform_id, ${COUNT_SHARD_SQL}, count(*) FROM end_users GROUP BY 1, 2`,
    );
  },
};

export const END_USER_API_KEYS_PROJECTION: StreamProjection = {
  name: 'end_user_api_keys',
  table: 'end_user_api_keys',
  columns: ['id', 'platform_id', 'end_user_id', 'key_prefix', 'name', 'scopes', 'is_active', 'expires_at', 'last_used_at', 'created_at'],
  types: ['uuid', 'uuid', 'uuid', 'text', 'text', 'text[]', 'boolean', 'timestamptz', 'timestamptz', 'timestamptz'],
  endUserColumn: 'end_user_id',
  rowsOf(state) {
    if (state.status !== 'existing') return [];
    return state.apiKeys.map((key) => [key.keyId, state.user.platformId, state.user.id, key.keyPrefix, key.name, key.scopes, true, null, null, key.issuedAt]);
  },
};

export const STREAM_PROJECTIONS: readonly StreamProjection[] = [END_USERS_PROJECTION, END_USER_API_KEYS_PROJECTION];

export function projectionNamed(name: string): StreamProjection {
  const projection = STREAM_PROJECTIONS.find((candidate) => candidate.name === name);
  if (!projection) throw new Error(`unknown projection "${name}"; known: ${STREAM_PROJECTIONS.map((p) => p.name).join(', ')}`);
  return projection;
}
