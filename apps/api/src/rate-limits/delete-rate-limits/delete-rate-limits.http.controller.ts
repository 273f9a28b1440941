import { Controller, Delete, HttpCode, HttpStatus, Param, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiIdempotencyKey, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { DeleteRateLimitsCommand } from './delete-rate-limits.command';

@Controller('v1/platforms/:platformId/end-users/:endUserId/rate-limits')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('Rate limits')
export class DeleteRateLimitsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete()
  @ApiIdempotencyKey()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteRateLimits', summary: "Remove an end user's rate-limit override" })
  @ApiEndUserIdParam()
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiErrorResponses({
    404: 'not_found: no such end user on this platform, or it has no override.',
    413: 'payload_too_large: a body (none is needed) over 64 KiB.',
    415: 'unsupported_media_type: a body (none is needed) that is not JSON.',
  })
  async delete(@Param('endUserId') endUserId: string, @CurrentPlatform() platform: PlatformPrincipal): Promise<void> {
    await this.commandBus.execute(new DeleteRateLimitsCommand(platform.platformId, requireUuid(endUserId, 'endUserId')));
  }
}
