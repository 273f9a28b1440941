import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { ApiErrorResponses, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { PlatformResponse } from '@app/platforms';
import { GetPlatformQuery } from './get-platform.query';

@Controller('v1/platforms/:platformId')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('Platforms')
export class GetPlatformHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ operationId: 'getPlatform', summary: 'Get the platform', description: 'The platform the key belongs to, with its `settings`.' })
  @ApiOkResponse({ type: PlatformResponse, description: 'The platform.' })
  @ApiErrorResponses({ 404: 'not_found: the platform no longer exists.' })
  get(@CurrentPlatform() platform: PlatformPrincipal): Promise<PlatformResponse> {
    return this.queryBus.execute(new GetPlatformQuery(platform.platformId));
  }
}
