import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { EndUserResponse } from '../shared/end-user.response';
import { GetEndUserQuery } from './get-end-user.query';
import { GetEndUserRequest } from './get-end-user.request.dto';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
export class GetEndUserHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The user now, or with `as_of` the user as it was then. */
  @Get(':endUserId')
  get(@Param('endUserId') endUserId: string, @Query() query: GetEndUserRequest, @CurrentPlatform() platform: PlatformPrincipal): Promise<EndUserResponse> {
    return this.queryBus.execute(new GetEndUserQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.asOfDate()));
  }
}
