import { Controller, Delete, HttpCode, HttpStatus, Param, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiNoContentResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiIdempotencyKey, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { DeleteMcpConnectionCommand } from './delete-mcp-connection.command';

@Controller('v1/platforms/:platformId/end-users/:endUserId/mcp-connections')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('MCP connections')
export class DeleteMcpConnectionHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete(':connectionId')
  @ApiIdempotencyKey()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteMcpConnection', summary: 'Remove an MCP connection' })
  @ApiEndUserIdParam()
  @ApiParam({ name: 'connectionId', type: String, format: 'uuid', description: 'The connection.', example: '3f8b1d6e-2c4a-4d9f-b7e1-8a5c0e2d6f13' })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiErrorResponses({
    404: 'not_found: no such connection of this end user on this platform.',
    413: 'payload_too_large: a body (none is needed) over 64 KiB.',
    415: 'unsupported_media_type: a body (none is needed) that is not JSON.',
  })
  async delete(
    @Param('endUserId') endUserId: string,
    @Param('connectionId') connectionId: string,
    @CurrentPlatform() platform: PlatformPrincipal,
  ): Promise<void> {
    await this.commandBus.execute(
      new DeleteMcpConnectionCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), requireUuid(connectionId, 'connectionId')),
    );
  }
}
