import { Controller, Delete, Headers, HttpCode, HttpStatus, Param, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform, RequestId } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiIdempotencyKey, ApiIfMatch, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { parseIfMatch } from '../shared/stream-version';
import { DeleteEndUserCommand } from './delete-end-user.command';

@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('End users')
export class DeleteEndUserHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete(':endUserId')
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteEndUser',
    summary: 'Delete an end user',
    description:
      'At once the user is gone from every read and its keys fail (401); then its API keys, budget and ledger, rate-limit override and MCP connections ' +
      'are removed. The `external_id` becomes free for a new user. A second DELETE is a 404.',
  })
  @ApiEndUserIdParam()
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrorResponses({
    404: 'not_found: no such end user on this platform (also one already deleted).',
    409: true,
    413: 'payload_too_large: a body (none is needed) over 64 KiB.',
    415: 'unsupported_media_type: a body (none is needed) that is not JSON.',
  })
  async delete(
    @Param('endUserId') endUserId: string,
    @CurrentPlatform() platform: PlatformPrincipal,
    @RequestId() requestId: string | null,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    const expectedVersion = parseIfMatch(ifMatch);
    await this.commandBus.execute(
      new DeleteEndUserCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), { requestId, actorKeyId: platform.keyId }, expectedVersion),
    );
  }
}
