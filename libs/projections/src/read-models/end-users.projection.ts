import { COUNT_SHARD_SQL } from './end-user-count-shard';
import { StreamProjection } from './stream-projection';

/**
 * `end_users`: one row per live end user at its stream version (the version is the ETag of every
 * read), and the per-platform totals of `platform_end_user_counts`, counted in 16 shards so that
 * concurrent creates of one platform do not queue on one row.
 */
export const END_USERS_PROJECTION: StreamProjection = {
  name: 'end_users',
  table: 'end_users',
  columns: ['id', 'platform_id', 'external_id', 'display_name', 'metadata', 'is_active', 'created_at', 'updated_at', 'stream_version'],
  types: ['uuid', 'uuid', 'text', 'text', 'jsonb', 'boolean', 'timestamptz', 'timestamptz', 'integer'],
  key: 'id',
  endUserColumn: 'id',
  versionColumn: 'stream_version',
  rowsOf(state, streamVersion) {
    if (state.status !== 'existing') return [];
    const { user } = state;
    return [[user.id, user.platformId, user.externalId, user.displayName, user.metadata, user.isActive, user.createdAt, user.updatedAt, streamVersion]];
  },
  derived: {
    inline(statement, { written, removed }) {
      if (written) {
        statement.with(
          'end_users_counted',
          `INSERT INTO platform_end_user_counts (platform_id, shard, count)
           SELECT platform_id, ${COUNT_SHARD_SQL}, count(*) FROM ${written} WHERE inserted GROUP BY 1, 2
           ON CONFLICT (platform_id, shard) DO UPDATE SET count = platform_end_user_counts.count + EXCLUDED.count`,
        );
      }
      if (removed) {
        statement.with(
          'end_users_uncounted',
          `UPDATE platform_end_user_counts c SET count = c.count - r.count
           FROM (SELECT platform_id, ${COUNT_SHARD_SQL} AS shard, count(*) AS count FROM ${removed} GROUP BY 1, 2) r
           WHERE c.platform_id = r.platform_id AND c.shard = r.shard`,
        );
      }
    },
    async recompute(sql) {
      await sql.query('DELETE FROM platform_end_user_counts');
      await sql.query(
        `INSERT INTO platform_end_user_counts (platform_id, shard, count) SELECT platform_id, ${COUNT_SHARD_SQL}, count(*) FROM end_users GROUP BY 1, 2`,
      );
    },
    /** Platforms whose total (the sum of their shards) differs from their rows. */
    async mismatches(sql) {
      const [{ wrong }] = await sql.query<{ wrong: string }>(
        `SELECT count(*) AS wrong FROM (SELECT platform_id, sum(count) AS total FROM platform_end_user_counts GROUP BY 1) c
         FULL JOIN (SELECT platform_id, count(*) AS total FROM end_users GROUP BY 1) u USING (platform_id)
         WHERE coalesce(c.total, 0) <> coalesce(u.total, 0)`,
      );
      return Number(wrong);
    },
  },
};
