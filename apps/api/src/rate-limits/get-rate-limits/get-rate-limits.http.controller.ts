import { ApiError } from '@app/http';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { RateLimitsResponse, rateLimitsResponse } from '../shared/rate-limits.response';
import { GetRateLimitsQuery } from './get-rate-limits.query';

@Controller('v1/platforms/:platformId/end-users/:endUserId/rate-limits')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('Rate limits')
export class GetRateLimitsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ operationId: 'getRateLimits', summary: "Get an end user's rate-limit override" })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: RateLimitsResponse, description: 'The override.' })
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform, or it has no override.' })
  async get(@Param('endUserId') endUserId: string, @CurrentPlatform() platform: PlatformPrincipal): Promise<RateLimitsResponse> {
    const row = await this.queryBus.execute(new GetRateLimitsQuery(platform.platformId, requireUuid(endUserId, 'endUserId')));
    if (!row) throw ApiError.notFound('Rate-limit override');
    return rateLimitsResponse(row);
  }
}
