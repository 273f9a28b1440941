import { Controller, Delete, HttpCode, HttpStatus, Param, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { DeleteMcpConnectionCommand } from './delete-mcp-connection.command';

@Controller('v1/platforms/:platformId/end-users/:endUserId/mcp-connections')
@UseGuards(PlatformKeyGuard)
export class DeleteMcpConnectionHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete(':connectionId')
  @HttpCode(HttpStatus.NO_CONTENT)
  async delete(@Param('endUserId') endUserId: string, @Param('connectionId') connectionId: string, @CurrentPlatform() platform: PlatformPrincipal): Promise<void> {
    await this.commandBus.execute(new DeleteMcpConnectionCommand(platform.platformId, requireUuid(endUserId, 'endUserId'), requireUuid(connectionId, 'connectionId')));
  }
}
