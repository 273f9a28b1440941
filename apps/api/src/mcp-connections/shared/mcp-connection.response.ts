import { McpConnectionRow } from './mcp-connection-rows';

/** Credentials are never part of a response. */
export interface McpConnectionResponse {
  id: string;
  platform_id: string;
  end_user_id: string;
  app: string;
  status: string;
  created_at: string;
}

export function mcpConnectionResponse(row: McpConnectionRow): McpConnectionResponse {
  return { id: row.id, platform_id: row.platform_id, end_user_id: row.end_user_id, app: row.app, status: row.status, created_at: row.created_at.toISOString() };
}
