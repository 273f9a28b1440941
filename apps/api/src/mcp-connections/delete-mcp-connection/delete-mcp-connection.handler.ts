import { ApiError } from '@app/http';
import { Database } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { deleteMcpConnection } from '../shared/mcp-connection-rows';
import { DeleteMcpConnectionCommand } from './delete-mcp-connection.command';

@CommandHandler(DeleteMcpConnectionCommand)
export class DeleteMcpConnectionHandler implements ICommandHandler<DeleteMcpConnectionCommand, void> {
  constructor(private readonly db: Database) {}

  async execute(command: DeleteMcpConnectionCommand): Promise<void> {
    const deleted = await deleteMcpConnection(this.db, command.platformId, command.endUserId, command.connectionId);
    if (!deleted) throw ApiError.notFound('MCP connection');
  }
}
