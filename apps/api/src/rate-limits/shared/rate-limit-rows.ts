import { Sql } from '@app/persistence';

export interface RateLimitRow {
  end_user_id: string;
  rpm_limit: number | null;
  tpm_limit: number | null;
  rpd_limit: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface RateLimits {
  rpmLimit: number | null;
  tpmLimit: number | null;
  rpdLimit: number | null;
}

const COLUMNS = 'end_user_id, rpm_limit, tpm_limit, rpd_limit, created_at, updated_at';

export async function findRateLimits(sql: Sql, platformId: string, endUserId: string): Promise<RateLimitRow | null> {
  const rows = await sql.query<RateLimitRow>(`SELECT ${COLUMNS} FROM end_user_rate_limits WHERE end_user_id = $1 AND platform_id = $2`, [
    endUserId,
    platformId,
  ]);
  return rows[0] ?? null;
}

/** Replaces the override; runs in the caller's transaction, after the user row was share-locked. */
export async function putRateLimits(sql: Sql, platformId: string, endUserId: string, limits: RateLimits): Promise<RateLimitRow> {
  const [row] = await sql.query<RateLimitRow>(
    `INSERT INTO end_user_rate_limits (end_user_id, platform_id, rpm_limit, tpm_limit, rpd_limit)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (end_user_id) DO UPDATE SET
       rpm_limit = EXCLUDED.rpm_limit, tpm_limit = EXCLUDED.tpm_limit, rpd_limit = EXCLUDED.rpd_limit, updated_at = now()
     RETURNING ${COLUMNS}`,
    [endUserId, platformId, limits.rpmLimit, limits.tpmLimit, limits.rpdLimit],
  );
  return row;
}

export async function deleteRateLimits(sql: Sql, platformId: string, endUserId: string): Promise<boolean> {
  const rows = await sql.query('DELETE FROM end_user_rate_limits WHERE end_user_id = $1 AND platform_id = $2 RETURNING end_user_id', [endUserId, platformId]);
  return rows.length === 1;
}
