import { Controller, Delete, HttpCode, HttpStatus, Param, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPlatform, RequestId } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { DeleteEndUserCommand } from './delete-end-user.command';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
export class DeleteEndUserHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete(':endUserId')
  @HttpCode(HttpStatus.NO_CONTENT)
  async delete(@Param('endUserId') endUserId: string, @CurrentPlatform() platform: PlatformPrincipal, @RequestId() requestId: string | null): Promise<void> {
    await this.commandBus.execute(new DeleteEndUserCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), { requestId, actorKeyId: platform.keyId }));
  }
}
