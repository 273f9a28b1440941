import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CreateMcpConnectionHandler } from './create-mcp-connection/create-mcp-connection.handler';
import { CreateMcpConnectionHttpController } from './create-mcp-connection/create-mcp-connection.http.controller';
import { DeleteMcpConnectionHandler } from './delete-mcp-connection/delete-mcp-connection.handler';
import { DeleteMcpConnectionHttpController } from './delete-mcp-connection/delete-mcp-connection.http.controller';
import { ListMcpConnectionsHandler } from './list-mcp-connections/list-mcp-connections.handler';
import { ListMcpConnectionsHttpController } from './list-mcp-connections/list-mcp-connections.http.controller';

@Module({
  imports: [CqrsModule],
  controllers: [CreateMcpConnectionHttpController, ListMcpConnectionsHttpController, DeleteMcpConnectionHttpController],
  providers: [CreateMcpConnectionHandler, ListMcpConnectionsHandler, DeleteMcpConnectionHandler],
})
export class McpConnectionsModule {}
