import { ApiProperty } from '@nestjs/swagger';
import { McpConnectionRow } from './mcp-connection-rows';

/** Credentials are never part of a response. */
export class McpConnectionResponse {
  @ApiProperty({ format: 'uuid', example: '3f8b1d6e-2c4a-4d9f-b7e1-8a5c0e2d6f13' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31' })
  platform_id!: string;

  @ApiProperty({ format: 'uuid', example: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d' })
  end_user_id!: string;

  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'The app slug; one connection per user and app.', example: 'github' })
  app!: string;

  @ApiProperty({ example: 'active' })
  status!: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;
}

export function mcpConnectionResponse(row: McpConnectionRow): McpConnectionResponse {
  return { id: row.id, platform_id: row.platform_id, end_user_id: row.end_user_id, app: row.app, status: row.status, created_at: row.created_at.toISOString() };
}
