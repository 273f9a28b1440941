import { Body, Controller, Patch, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { ApiErrorResponses, ApiIdempotencyKey, ApiJsonBodyErrors, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { PlatformResponse } from '@app/platforms';
import { UpdatePlatformCommand } from './update-platform.command';
import { UpdatePlatformRequest } from './update-platform.request.dto';

@Controller('v1/platforms/:platformId')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('Platforms')
export class UpdatePlatformHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** `settings` merges key by key; a setting given as null is removed. */
  @Patch()
  @ApiIdempotencyKey()
  @ApiOperation({
    operationId: 'updatePlatform',
    summary: 'Update the platform',
    description:
      'Every field is optional. `settings` is merged key by key; a setting given as `null` is removed. ' +
      'Settings apply to end users created afterwards, never retroactively.',
  })
  @ApiOkResponse({ type: PlatformResponse, description: 'The platform after the update.' })
  @ApiJsonBodyErrors('payload_too_large: the body is over 64 KiB, or `settings` is over 16 KiB serialized.')
  @ApiErrorResponses({ 404: 'not_found: the platform no longer exists.' })
  update(@Body() body: UpdatePlatformRequest, @CurrentPlatform() platform: PlatformPrincipal): Promise<PlatformResponse> {
    const settings = body.settings === undefined ? undefined : Object.fromEntries(Object.entries(body.settings).filter(([, value]) => value !== undefined));
    return this.commandBus.execute(new UpdatePlatformCommand(platform.platformId, { name: body.name, settings }));
  }
}
