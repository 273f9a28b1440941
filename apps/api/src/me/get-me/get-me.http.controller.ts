import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentEndUser } from '../../auth/current-principal.decorator';
import { EndUserKeyGuard } from '../../auth/end-user-key.guard';
import { EndUserPrincipal } from '../../auth/principal';
import { GetEndUserQuery } from '../../end-users/get-end-user/get-end-user.query';
import { EndUserResponse } from '../../end-users/shared/end-user.response';

/** The end user's own object, read exactly as the management route reads it. */
@Controller('v1/me')
@UseGuards(EndUserKeyGuard)
export class GetMeHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  get(@CurrentEndUser() endUser: EndUserPrincipal): Promise<EndUserResponse> {
    return this.queryBus.execute(new GetEndUserQuery(endUser.platformId, endUser.endUserId));
  }
}
