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

/** Page 1 has nothing to skip, so it does without the key lookup of later pages. */
const FIRST_PAGE = `SELECT ${COLUMNS} FROM end_users WHERE platform_id = $1 ORDER BY created_at, id LIMIT $2`;

/**
 * The page at OFFSET $3 in the order (created_at, id), in two steps of one statement (so one
 * snapshot): the page's first key is found by an index-only scan of end_users_platform_order, so
 * the offset skips index entries instead of reading every skipped row from the heap, then the page
 * is read from that key on. (created_at, id) is unique, so the rows are exactly those of
 * `ORDER BY created_at, id LIMIT $2 OFFSET $3`; past the end the key is NULL and the page empty.
 * The skip stays index-only while the visibility map of the table is set (vacuumed); on pages that
 * are not all-visible it reads the heap, as the plain OFFSET did.
 */
const LATER_PAGE = `SELECT ${COLUMNS} FROM end_users
  WHERE platform_id = $1
    AND (created_at, id) >= (SELECT created_at, id FROM end_users WHERE platform_id = $1 ORDER BY created_at, id LIMIT 1 OFFSET $3)
  ORDER BY created_at, id
  LIMIT $2`;

/**
 * A page in the stable order (created_at, id), with the maintained total (a second statement, so
 * not necessarily of the page's snapshot); with `externalId`, at most the one matching user.
 */
export async function listEndUsers(sql: Sql, platformId: string, page: number, limit: number, externalId?: string): Promise<EndUserPage> {
  if (externalId !== undefined) {
    const rows = await sql.query<EndUserRow>(`SELECT ${COLUMNS} FROM end_users WHERE platform_id = $1 AND external_id = $2`, [platformId, externalId]);
    return { rows: page === 1 ? rows.slice(0, limit) : [], total: rows.length };
  }
  const [rows, counted] = await Promise.all([
    page === 1 ? sql.query<EndUserRow>(FIRST_PAGE, [platformId, limit]) : sql.query<EndUserRow>(LATER_PAGE, [platformId, limit, (page - 1) * limit]),
    sql.query<{ total: string }>('SELECT coalesce(sum(count), 0) AS total FROM platform_end_user_counts WHERE platform_id = $1', [platformId]),
  ]);
  return { rows, total: Number(counted[0].total) };
}
