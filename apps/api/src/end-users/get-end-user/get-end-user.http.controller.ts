import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiPlatformRoutes, etagHeader } from '../../openapi/openapi.decorators';
import { EndUserResponse } from '../shared/end-user.response';
import { setEtag } from '../shared/stream-version';
import { GetEndUserQuery } from './get-end-user.query';
import { GetEndUserRequest } from './get-end-user.request.dto';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('End users')
export class GetEndUserHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The user now, or with `as_of` the user as it was then. */
  @Get(':endUserId')
  @ApiOperation({
    operationId: 'getEndUser',
    summary: 'Get an end user',
    description: 'The user now, or with `as_of` as it was at that instant (read from its events). Never includes key material.',
  })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: EndUserResponse, description: 'The end user.', headers: etagHeader(false) })
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform (also a deleted one), or it did not exist yet at `as_of`.' })
  async get(
    @Param('endUserId') endUserId: string,
    @Query() query: GetEndUserRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EndUserResponse> {
    const result = await this.queryBus.execute(new GetEndUserQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.asOfDate()));
    setEtag(res, result.version);
    return result.body;
  }
}
