import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { PlatformResponse } from '@app/platforms';
import { GetPlatformQuery } from './get-platform.query';

@Controller('v1/platforms/:platformId')
@UseGuards(PlatformKeyGuard)
export class GetPlatformHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  get(@CurrentPlatform() platform: PlatformPrincipal): Promise<PlatformResponse> {
    return this.queryBus.execute(new GetPlatformQuery(platform.platformId));
  }
}
