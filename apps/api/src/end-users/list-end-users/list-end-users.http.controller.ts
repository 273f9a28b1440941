import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { Page } from '../../pagination/page-query.dto';
import { PageResponse } from '../../pagination/page.response';
import { EndUserResponse } from '../shared/end-user.response';
import { ListEndUsersQuery } from './list-end-users.query';
import { ListEndUsersRequest } from './list-end-users.request.dto';

const EndUserPage = PageResponse(EndUserResponse, 'EndUserPage');

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('End users')
export class ListEndUsersHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({
    operationId: 'listEndUsers',
    summary: 'List end users',
    description: 'Oldest first (by `created_at`, then `id`). With `external_id`, the same list shape holding that one user, or none.',
  })
  @ApiOkResponse({ type: EndUserPage, description: 'A page of end users.' })
  list(
    @Param('platformId') _platformId: string,
    @Query() query: ListEndUsersRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
  ): Promise<Page<EndUserResponse>> {
    return this.queryBus.execute(new ListEndUsersQuery(platform.platformId, query.page, query.limit, query.external_id));
  }
}
