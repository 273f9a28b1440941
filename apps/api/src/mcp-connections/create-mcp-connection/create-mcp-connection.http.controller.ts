import { Body, Controller, HttpStatus, Param, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiIdempotencyKey, ApiJsonBodyErrors, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { McpConnectionResponse } from '../shared/mcp-connection.response';
import { CreateMcpConnectionCommand } from './create-mcp-connection.command';
import { CreateMcpConnectionRequest } from './create-mcp-connection.request.dto';

@Controller('v1/platforms/:platformId/end-users/:endUserId/mcp-connections')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('MCP connections')
export class CreateMcpConnectionHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 201 for a new app connection; 200 when it replaced the credentials of the existing one. */
  @Post()
  @ApiIdempotencyKey()
  @ApiOperation({
    operationId: 'createMcpConnection',
    summary: 'Connect an MCP app for an end user',
    description:
      'One connection per user and app: a second POST for the same app replaces its credentials. Credentials are encrypted at rest and never returned.',
  })
  @ApiEndUserIdParam()
  @ApiCreatedResponse({ type: McpConnectionResponse, description: 'A new connection for this app.' })
  @ApiOkResponse({ type: McpConnectionResponse, description: 'The existing connection for this app, its credentials replaced.' })
  @ApiJsonBodyErrors('payload_too_large: the body is over 64 KiB, or `credentials` is over 16 KiB serialized.')
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform.' })
  async create(
    @Param('endUserId') endUserId: string,
    @Body() body: CreateMcpConnectionRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<McpConnectionResponse> {
    const result = await this.commandBus.execute(
      new CreateMcpConnectionCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), body.app, body.credentials ?? null),
    );
    res.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.body;
  }
}
