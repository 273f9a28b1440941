import { Body, Controller, HttpStatus, Param, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPlatform, RequestId } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { ApiErrorResponses, ApiIdempotencyKey, ApiJsonBodyErrors, ApiPlatformRoutes, etagHeader } from '../../openapi/openapi.decorators';
import { CreatedEndUserResponse } from '../shared/end-user.response';
import { setEtag } from '../shared/stream-version';
import { CreateEndUserCommand, CreateEndUserResult } from './create-end-user.command';
import { CreateEndUserRequest } from './create-end-user.request.dto';

const CREATED_HEADERS = {
  'Cache-Control': { description: 'Always `no-store`: the body holds a raw key.', required: true, schema: { type: 'string', enum: ['no-store'] } },
  ...etagHeader(),
};

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('End users')
export class CreateEndUserHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 201 with a new user and key; 200 with the existing user and a fresh key on a repeat. */
  @Post()
  @ApiIdempotencyKey()
  @ApiOperation({
    operationId: 'createEndUser',
    summary: 'Create an end user (idempotent on external_id)',
    description:
      'Creates the user with an auto-generated API key. The raw key is returned only in this response: store it at once. ' +
      'A repeat call with a known `external_id` returns `200` with the existing user and a **fresh** key (earlier keys stay active); ' +
      'it changes neither `display_name` nor `metadata` and creates no second budget. With `settings.default_budget_usd` on the platform, ' +
      'a monthly auto-budget is created and returned as `budget`.',
  })
  @ApiCreatedResponse({ type: CreatedEndUserResponse, description: 'A new end user and its first key.', headers: CREATED_HEADERS })
  @ApiOkResponse({
    type: CreatedEndUserResponse,
    description: 'The end user with this `external_id` already existed: it, with a fresh key.',
    headers: CREATED_HEADERS,
  })
  @ApiJsonBodyErrors('payload_too_large: the body is over 64 KiB, or `metadata` is over 16 KiB serialized.')
  @ApiErrorResponses({ 409: true })
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
    setEtag(res, result.version);
    return result.body;
  }
}
