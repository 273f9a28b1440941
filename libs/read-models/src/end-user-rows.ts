import { JsonObject } from '@app/end-users';
import { Sql } from '@app/persistence';

export interface EndUserRow {
  id: string;
  platform_id: string;
  external_id: string;
  display_name: string | null;
  metadata: JsonObject;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
  stream_version: number;
}

const COLUMNS = 'id, platform_id, external_id, display_name, metadata, is_active, created_at, updated_at, stream_version';

/** One end user of one platform, or null; another platform's user is never returned. */
export async function findEndUser(sql: Sql, platformId: string, endUserId: string): Promise<EndUserRow | null> {
  const rows = await sql.query<EndUserRow>(`SELECT ${COLUMNS} FROM end_users WHERE id = $1 AND platform_id = $2`, [endUserId, platformId]);
  return rows[0] ?? null;
}

export interface EndUserPage {
  rows: EndUserRow[];
  total: number;
}

/** A page in the stable order (created_at, id), with the maintained total; with `externalId`, at most the one matching user. */
export async function listEndUsers(sql: Sql, platformId: string, page: number, limit: number, externalId?: string): Promise<EndUserPage> {
  if (externalId !== undefined) {
    const rows = await sql.query<EndUserRow>(`SELECT ${COLUMNS} FROM end_users WHERE platform_id = $1 AND external_id = $2`, [platformId, externalId]);
    return { rows: page === 1 ? rows.slice(0, limit) : [], total: rows.length };
  }
  const [rows, counted] = await Promise.all([
    sql.query<EndUserRow>(`SELECT ${COLUMNS} FROM end_users WHERE platform_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`, [
      platformId,
      limit,
      (page - 1) * limit,
    ]),
    sql.query<{ total: string }>('SELECT coalesce(sum(count), 0) AS total FROM platform_end_user_counts WHERE platform_id = $1', [platformId]),
  ]);
  return { rows, total: Number(counted[0].total) };
}
