import { ApiError } from '@app/http';
import { Database } from '@app/persistence';
import { DataKeys } from '@app/personal-data';
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
    private readonly dataKeys: DataKeys,
  ) {}

  /**
   * Credentials are personal data: they are sealed with the user's data key, so the user's DELETE
   * makes them unreadable in its own transaction, before the worker removes the row.
   */
  execute(command: CreateMcpConnectionCommand): Promise<{ created: boolean; body: McpConnectionResponse }> {
    return this.db.transaction(async (sql) => {
      await requireEndUser(sql, command.platformId, command.endUserId, true);
      const cipher = await this.dataKeys.cipherOf(sql, command.endUserId);
      // No key: the user was erased meanwhile (or holds only events from before sealing; see data-keys seal-legacy).
      if (!cipher) throw ApiError.notFound('End user');
      const credentials = command.credentials === null ? null : Buffer.from(cipher.seal(`mcpCredentials:${command.app}`, JSON.stringify(command.credentials)));
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
