import { Body, Controller, HttpStatus, Param, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { CurrentPlatform, RequestId } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { CreateEndUserCommand, CreateEndUserResult } from './create-end-user.command';
import { CreateEndUserRequest } from './create-end-user.request.dto';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
export class CreateEndUserHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 201 with a new user and key; 200 with the existing user and a fresh key on a repeat. */
  @Post()
  async create(
    @Param('platformId') _platformId: string,
    @Body() body: CreateEndUserRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
    @RequestId() requestId: string | null,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CreateEndUserResult['body']> {
    const result = await this.commandBus.execute(
      new CreateEndUserCommand(
        platform.platformId,
        body.external_id,
        body.display_name ?? null,
        body.metadata ?? {},
        platform.settings.default_budget_usd ?? null,
        { requestId, actorKeyId: platform.keyId },
      ),
    );
    res.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    res.setHeader('Cache-Control', 'no-store');
    return result.body;
  }
}
