import { decide } from '@app/end-users';
import { inTransaction } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { loadEndUser, saveEndUserEvents } from '../shared/end-user-stream';
import { retryOnConflict } from '../shared/retry-on-conflict';
import { DeleteEndUserCommand } from './delete-end-user.command';

/**
 * Appends EndUserDeleted, removes the read rows (so the user is gone and its keys fail at once) and
 * frees the external id, all in one transaction. The rest of the cascade is the worker's.
 */
@CommandHandler(DeleteEndUserCommand)
export class DeleteEndUserHandler implements ICommandHandler<DeleteEndUserCommand, void> {
  constructor(private readonly dataSource: DataSource) {}

  execute(command: DeleteEndUserCommand): Promise<void> {
    return retryOnConflict(() =>
      inTransaction(this.dataSource, async (sql) => {
        const loaded = await loadEndUser(sql, command.endUserId);
        const now = new Date();
        const events = decide({ type: 'DeleteEndUser', data: { endUserId: command.endUserId, platformId: command.platformId, now } }, loaded.state);
        await saveEndUserEvents(sql, command.endUserId, loaded, events, { ...command.context, occurredAt: now.toISOString() });
        await sql.query('DELETE FROM end_user_external_ids WHERE end_user_id = $1', [command.endUserId]);
      }),
    );
  }
}
