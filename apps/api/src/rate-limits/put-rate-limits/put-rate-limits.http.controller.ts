import { Body, Controller, Param, Put, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiIdempotencyKey, ApiJsonBodyErrors, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { RateLimitsResponse } from '../shared/rate-limits.response';
import { PutRateLimitsCommand } from './put-rate-limits.command';
import { PutRateLimitsRequest } from './put-rate-limits.request.dto';

@Controller('v1/platforms/:platformId/end-users/:endUserId/rate-limits')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('Rate limits')
export class PutRateLimitsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put()
  @ApiIdempotencyKey()
  @ApiOperation({
    operationId: 'putRateLimits',
    summary: "Set an end user's rate-limit override",
    description: 'Creates or replaces the whole override: a limit left out or `null` means no override for it.',
  })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: RateLimitsResponse, description: 'The override as stored.' })
  @ApiJsonBodyErrors()
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform.' })
  put(@Param('endUserId') endUserId: string, @Body() body: PutRateLimitsRequest, @CurrentPlatform() platform: PlatformPrincipal): Promise<RateLimitsResponse> {
    return this.commandBus.execute(
      new PutRateLimitsCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), {
        rpmLimit: body.rpm_limit ?? null,
        tpmLimit: body.tpm_limit ?? null,
        rpdLimit: body.rpd_limit ?? null,
      }),
    );
  }
}
