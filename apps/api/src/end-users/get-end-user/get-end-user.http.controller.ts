import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { EndUserResponse } from '../shared/end-user.response';
import { GetEndUserQuery } from './get-end-user.query';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
export class GetEndUserHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':endUserId')
  get(@Param('endUserId') endUserId: string, @CurrentPlatform() platform: PlatformPrincipal): Promise<EndUserResponse> {
    return this.queryBus.execute(new GetEndUserQuery(platform.platformId, requireUuid(endUserId, 'endUserId')));
  }
}
