import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentEndUser } from '../../auth/current-principal.decorator';
import { EndUserKeyGuard } from '../../auth/end-user-key.guard';
import { EndUserPrincipal } from '../../auth/principal';
import { GetEndUserQuery } from '../../end-users/get-end-user/get-end-user.query';
import { EndUserResponse } from '../../end-users/shared/end-user.response';
import { ApiErrorResponses, ApiSelfServiceRoutes } from '../../openapi/openapi.decorators';

/** The end user's own object, read exactly as the management route reads it. */
@Controller('v1/me')
@UseGuards(EndUserKeyGuard)
@ApiSelfServiceRoutes()
export class GetMeHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ operationId: 'getMe', summary: 'Get my end user', description: "The calling end user's own object, as the management route shows it." })
  @ApiOkResponse({ type: EndUserResponse, description: 'The calling end user.' })
  @ApiErrorResponses({ 404: 'not_found: the end user was deleted while the request ran.' })
  async get(@CurrentEndUser() endUser: EndUserPrincipal): Promise<EndUserResponse> {
    return (await this.queryBus.execute(new GetEndUserQuery(endUser.platformId, endUser.endUserId))).body;
  }
}
