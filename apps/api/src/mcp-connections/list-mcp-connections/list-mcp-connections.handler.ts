import { Database } from '@app/persistence';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { requireEndUser } from '../../end-users/shared/require-end-user';
import { Page } from '../../pagination/page-query.dto';
import { listMcpConnections } from '../shared/mcp-connection-rows';
import { McpConnectionResponse, mcpConnectionResponse } from '../shared/mcp-connection.response';
import { ListMcpConnectionsQuery } from './list-mcp-connections.query';

@QueryHandler(ListMcpConnectionsQuery)
export class ListMcpConnectionsHandler implements IQueryHandler<ListMcpConnectionsQuery, Page<McpConnectionResponse>> {
  constructor(private readonly db: Database) {}

  async execute(query: ListMcpConnectionsQuery): Promise<Page<McpConnectionResponse>> {
    const sql = this.db;
    await requireEndUser(sql, query.platformId, query.endUserId);
    const { rows, total } = await listMcpConnections(sql, query.endUserId, query.page, query.limit);
    return { data: rows.map(mcpConnectionResponse), total, page: query.page, limit: query.limit };
  }
}
