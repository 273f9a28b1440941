import { CredentialsCipher } from '@app/platforms';
import { Database } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { requireEndUser } from '../../end-users/shared/require-end-user';
import { upsertMcpConnection } from '../shared/mcp-connection-rows';
import { McpConnectionResponse, mcpConnectionResponse } from '../shared/mcp-connection.response';
import { CreateMcpConnectionCommand } from './create-mcp-connection.command';

@CommandHandler(CreateMcpConnectionCommand)
export class CreateMcpConnectionHandler implements ICommandHandler<CreateMcpConnectionCommand, { created: boolean; body: McpConnectionResponse }> {
  constructor(
    private readonly db: Database,
    private readonly cipher: CredentialsCipher,
  ) {}

  execute(command: CreateMcpConnectionCommand): Promise<{ created: boolean; body: McpConnectionResponse }> {
    const credentials = command.credentials === null ? null : this.cipher.encrypt(JSON.stringify(command.credentials), `${command.endUserId}:${command.app}`);
    return this.db.transaction(async (sql) => {
      await requireEndUser(sql, command.platformId, command.endUserId, true);
      const { row, created } = await upsertMcpConnection(sql, {
        id: randomUUID(),
        platformId: command.platformId,
        endUserId: command.endUserId,
        app: command.app,
        credentials,
      });
      return { created, body: mcpConnectionResponse(row) };
    });
  }
}
