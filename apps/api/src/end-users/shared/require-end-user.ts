import { ApiError } from '@app/http';
import { Sql } from '@app/persistence';

/**
 * Fails with 404 unless the end user exists on this platform. With `lock`, the user's row is
 * share-locked until the caller's transaction ends, so a concurrent delete (and so its cascade)
 * is ordered after whatever the caller writes for this user.
 */
export async function requireEndUser(sql: Sql, platformId: string, endUserId: string, lock = false): Promise<void> {
  const rows = await sql.query(`SELECT 1 FROM end_users WHERE id = $1 AND platform_id = $2${lock ? ' FOR SHARE' : ''}`, [endUserId, platformId]);
  if (rows.length === 0) throw ApiError.notFound('End user');
}
