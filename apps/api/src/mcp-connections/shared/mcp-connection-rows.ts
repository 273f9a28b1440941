import { Sql } from '@app/persistence';

export interface McpConnectionRow {
  id: string;
  platform_id: string;
  end_user_id: string;
  app: string;
  status: string;
  created_at: Date;
}

const COLUMNS = 'id, platform_id, end_user_id, app, status, created_at';

/** One connection per user and app: a second one replaces the credentials. Runs in the caller's transaction. */
export async function upsertMcpConnection(
  sql: Sql,
  connection: { id: string; platformId: string; endUserId: string; app: string; credentials: Buffer | null },
): Promise<{ row: McpConnectionRow; created: boolean }> {
  const [row] = await sql.query<McpConnectionRow & { created: boolean }>(
    `INSERT INTO mcp_connections (id, platform_id, end_user_id, app, credentials_encrypted)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (end_user_id, app) DO UPDATE SET credentials_encrypted = EXCLUDED.credentials_encrypted, status = 'active', updated_at = now()
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    [connection.id, connection.platformId, connection.endUserId, connection.app, connection.credentials],
  );
  const { created, ...rest } = row;
  return { row: rest, created };
}

export async function listMcpConnections(sql: Sql, endUserId: string, page: number, limit: number): Promise<{ rows: McpConnectionRow[]; total: number }> {
  const [rows, counted] = await Promise.all([
    sql.query<McpConnectionRow>(`SELECT ${COLUMNS} FROM mcp_connections WHERE end_user_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`, [
      endUserId,
      limit,
      (page - 1) * limit,
    ]),
    sql.query<{ total: string }>('SELECT count(*) AS total FROM mcp_connections WHERE end_user_id = $1', [endUserId]),
  ]);
  return { rows, total: Number(counted[0].total) };
}

export async function deleteMcpConnection(sql: Sql, platformId: string, endUserId: string, connectionId: string): Promise<boolean> {
  const rows = await sql.query('DELETE FROM mcp_connections WHERE id = $1 AND end_user_id = $2 AND platform_id = $3 RETURNING id', [
    connectionId,
    endUserId,
    platformId,
  ]);
  return rows.length === 1;
}
