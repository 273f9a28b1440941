import { EndUserChanges } from '@app/end-users';
import { Body, Controller, Headers, Param, Patch, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform, RequestId } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import {
  ApiEndUserIdParam,
  ApiErrorResponses,
  ApiIdempotencyKey,
  ApiIfMatch,
  ApiJsonBodyErrors,
  ApiPlatformRoutes,
  etagHeader,
} from '../../openapi/openapi.decorators';
import { EndUserResponse } from '../shared/end-user.response';
import { parseIfMatch, setEtag } from '../shared/stream-version';
import { UpdateEndUserCommand } from './update-end-user.command';
import { UpdateEndUserRequest } from './update-end-user.request.dto';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('End users')
export class UpdateEndUserHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Patch(':endUserId')
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOperation({
    operationId: 'updateEndUser',
    summary: 'Update an end user',
    description:
      'Every field is optional; `metadata` replaces the stored object entirely. An empty body, or values equal to the current ones, change nothing ' +
      '(and leave `updated_at` alone). `external_id` cannot be changed. Deactivating a user makes its keys stop authenticating at once.',
  })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: EndUserResponse, description: 'The user after the update.', headers: etagHeader() })
  @ApiJsonBodyErrors('payload_too_large: the body is over 64 KiB, or `metadata` is over 16 KiB serialized.')
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform.', 409: true })
  async update(
    @Param('endUserId') endUserId: string,
    @Body() body: UpdateEndUserRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
    @RequestId() requestId: string | null,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EndUserResponse> {
    const changes: EndUserChanges = {};
    if (body.display_name !== undefined) changes.displayName = body.display_name;
    if (body.metadata !== undefined) changes.metadata = body.metadata;
    if (body.is_active !== undefined) changes.isActive = body.is_active;
    const expectedVersion = parseIfMatch(ifMatch);
    const result = await this.commandBus.execute(
      new UpdateEndUserCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), changes, { requestId, actorKeyId: platform.keyId }, expectedVersion),
    );
    setEtag(res, result.version);
    return result.body;
  }
}
