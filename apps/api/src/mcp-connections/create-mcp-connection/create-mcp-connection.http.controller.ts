import { Body, Controller, HttpStatus, Param, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { McpConnectionResponse } from '../shared/mcp-connection.response';
import { CreateMcpConnectionCommand } from './create-mcp-connection.command';
import { CreateMcpConnectionRequest } from './create-mcp-connection.request.dto';

@Controller('v1/platforms/:platformId/end-users/:endUserId/mcp-connections')
@UseGuards(PlatformKeyGuard)
export class CreateMcpConnectionHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 201 for a new app connection; 200 when it replaced the credentials of the existing one. */
  @Post()
  async create(
    @Param('endUserId') endUserId: string,
    @Body() body: CreateMcpConnectionRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<McpConnectionResponse> {
    const result = await this.commandBus.execute(new CreateMcpConnectionCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), body.app, body.credentials ?? null));
    res.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.body;
  }
}
