import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { Page, PageQuery } from '../../pagination/page-query.dto';
import { PageResponse } from '../../pagination/page.response';
import { McpConnectionResponse } from '../shared/mcp-connection.response';
import { ListMcpConnectionsQuery } from './list-mcp-connections.query';

const McpConnectionPage = PageResponse(McpConnectionResponse, 'McpConnectionPage');

@Controller('v1/platforms/:platformId/end-users/:endUserId/mcp-connections')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('MCP connections')
export class ListMcpConnectionsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ operationId: 'listMcpConnections', summary: "List an end user's MCP connections" })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: McpConnectionPage, description: 'A page of connections.' })
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform.' })
  list(@Param('endUserId') endUserId: string, @Query() query: PageQuery, @CurrentPlatform() platform: PlatformPrincipal): Promise<Page<McpConnectionResponse>> {
    return this.queryBus.execute(new ListMcpConnectionsQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.page, query.limit));
  }
}
