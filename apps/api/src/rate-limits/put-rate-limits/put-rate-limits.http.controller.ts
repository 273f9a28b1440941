import { Body, Controller, Param, Put, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { RateLimitsResponse } from '../shared/rate-limits.response';
import { PutRateLimitsCommand } from './put-rate-limits.command';
import { PutRateLimitsRequest } from './put-rate-limits.request.dto';

@Controller('v1/platforms/:platformId/end-users/:endUserId/rate-limits')
@UseGuards(PlatformKeyGuard)
export class PutRateLimitsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put()
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
