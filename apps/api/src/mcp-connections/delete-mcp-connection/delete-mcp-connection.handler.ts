import { ApiError } from '@app/http';
import { sqlOfDataSource } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { deleteMcpConnection } from '../shared/mcp-connection-rows';
import { DeleteMcpConnectionCommand } from './delete-mcp-connection.command';

@CommandHandler(DeleteMcpConnectionCommand)
export class DeleteMcpConnectionHandler implements ICommandHandler<DeleteMcpConnectionCommand, void> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(command: DeleteMcpConnectionCommand): Promise<void> {
    const deleted = await deleteMcpConnection(sqlOfDataSource(this.dataSource), command.platformId, command.endUserId, command.connectionId);
    if (!deleted) throw ApiError.notFound('MCP connection');
  }
}
