import { EndUserChanges } from '@app/end-users';
import { Body, Controller, Param, Patch, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPlatform, RequestId } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { EndUserResponse } from '../shared/end-user.response';
import { UpdateEndUserCommand } from './update-end-user.command';
import { UpdateEndUserRequest } from './update-end-user.request.dto';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
export class UpdateEndUserHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Patch(':endUserId')
  update(
    @Param('endUserId') endUserId: string,
    @Body() body: UpdateEndUserRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
    @RequestId() requestId: string | null,
  ): Promise<EndUserResponse> {
    const changes: EndUserChanges = {};
    if (body.display_name !== undefined) changes.displayName = body.display_name;
    if (body.metadata !== undefined) changes.metadata = body.metadata;
    if (body.is_active !== undefined) changes.isActive = body.is_active;
    return this.commandBus.execute(
      new UpdateEndUserCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), changes, { requestId, actorKeyId: platform.keyId }),
    );
  }
}
