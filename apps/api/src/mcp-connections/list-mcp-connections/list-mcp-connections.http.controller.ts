import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { Page, PageQuery } from '../../pagination/page-query.dto';
import { McpConnectionResponse } from '../shared/mcp-connection.response';
import { ListMcpConnectionsQuery } from './list-mcp-connections.query';

@Controller('v1/platforms/:platformId/end-users/:endUserId/mcp-connections')
@UseGuards(PlatformKeyGuard)
export class ListMcpConnectionsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  list(@Param('endUserId') endUserId: string, @Query() query: PageQuery, @CurrentPlatform() platform: PlatformPrincipal): Promise<Page<McpConnectionResponse>> {
    return this.queryBus.execute(new ListMcpConnectionsQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.page, query.limit));
  }
}
