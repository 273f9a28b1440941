import { Controller, Delete, HttpCode, HttpStatus, Param, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { DeleteRateLimitsCommand } from './delete-rate-limits.command';

@Controller('v1/platforms/:platformId/end-users/:endUserId/rate-limits')
@UseGuards(PlatformKeyGuard)
export class DeleteRateLimitsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  async delete(@Param('endUserId') endUserId: string, @CurrentPlatform() platform: PlatformPrincipal): Promise<void> {
    await this.commandBus.execute(new DeleteRateLimitsCommand(platform.platformId, requireUuid(endUserId, 'endUserId')));
  }
}
