import { Command } from '@nestjs/cqrs';
import { McpConnectionResponse } from '../shared/mcp-connection.response';

export class CreateMcpConnectionCommand extends Command<{ created: boolean; body: McpConnectionResponse }> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly app: string,
    readonly credentials: Record<string, unknown> | null,
  ) {
    super();
  }
}
