import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { Page } from '../../pagination/page-query.dto';
import { EndUserResponse } from '../shared/end-user.response';
import { ListEndUsersQuery } from './list-end-users.query';
import { ListEndUsersRequest } from './list-end-users.request.dto';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
export class ListEndUsersHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  list(@Param('platformId') _platformId: string, @Query() query: ListEndUsersRequest, @CurrentPlatform() platform: PlatformPrincipal): Promise<Page<EndUserResponse>> {
    return this.queryBus.execute(new ListEndUsersQuery(platform.platformId, query.page, query.limit, query.external_id));
  }
}
