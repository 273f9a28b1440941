import { StreamProjection } from './stream-projection';

/** `end_user_api_keys`: one row per key a live end user was issued; never key material. */
export const END_USER_API_KEYS_PROJECTION: StreamProjection = {
  name: 'end_user_api_keys',
  table: 'end_user_api_keys',
  columns: ['id', 'platform_id', 'end_user_id', 'key_prefix', 'name', 'scopes', 'is_active', 'expires_at', 'last_used_at', 'created_at'],
  types: ['uuid', 'uuid', 'uuid', 'text', 'text', 'text[]', 'boolean', 'timestamptz', 'timestamptz', 'timestamptz'],
  key: 'id',
  endUserColumn: 'end_user_id',
  rowsOf(state) {
    if (state.status !== 'existing') return [];
    const { user } = state;
    return state.apiKeys.map((key) => [key.keyId, user.platformId, user.id, key.keyPrefix, key.name, key.scopes, true, null, null, key.issuedAt]);
  },
};
