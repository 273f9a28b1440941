import { Body, Controller, Patch, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { PlatformResponse } from '@app/platforms';
import { UpdatePlatformCommand } from './update-platform.command';
import { UpdatePlatformRequest } from './update-platform.request.dto';

@Controller('v1/platforms/:platformId')
@UseGuards(PlatformKeyGuard)
export class UpdatePlatformHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** `settings` merges key by key; a setting given as null is removed. */
  @Patch()
  update(@Body() body: UpdatePlatformRequest, @CurrentPlatform() platform: PlatformPrincipal): Promise<PlatformResponse> {
    const settings = body.settings === undefined ? undefined : Object.fromEntries(Object.entries(body.settings).filter(([, value]) => value !== undefined));
    return this.commandBus.execute(new UpdatePlatformCommand(platform.platformId, { name: body.name, settings }));
  }
}
