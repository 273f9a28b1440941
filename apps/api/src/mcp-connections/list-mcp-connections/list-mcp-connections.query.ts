import { Query } from '@nestjs/cqrs';
import { Page } from '../../pagination/page-query.dto';
import { McpConnectionResponse } from '../shared/mcp-connection.response';

export class ListMcpConnectionsQuery extends Query<Page<McpConnectionResponse>> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly page: number,
    readonly limit: number,
  ) {
    super();
  }
}
