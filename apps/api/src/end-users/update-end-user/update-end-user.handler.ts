import { decide, EndUserNotFound } from '@app/end-users';
import { inTransaction } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { EndUserResponse, endUserResponseFromState } from '../shared/end-user.response';
import { loadEndUser, saveEndUserEvents } from '../shared/end-user-stream';
import { retryOnConflict } from '../shared/retry-on-conflict';
import { UpdateEndUserCommand } from './update-end-user.command';

/** Without a client version every accepted PATCH becomes its own event: a race is retried on fresh state. */
@CommandHandler(UpdateEndUserCommand)
export class UpdateEndUserHandler implements ICommandHandler<UpdateEndUserCommand, EndUserResponse> {
  constructor(private readonly dataSource: DataSource) {}

  execute(command: UpdateEndUserCommand): Promise<EndUserResponse> {
    return retryOnConflict(() =>
      inTransaction(this.dataSource, async (sql) => {
        const loaded = await loadEndUser(sql, command.endUserId);
        const now = new Date();
        const events = decide(
          { type: 'UpdateEndUser', data: { endUserId: command.endUserId, platformId: command.platformId, changes: command.changes, now } },
          loaded.state,
        );
        const saved = await saveEndUserEvents(sql, command.endUserId, loaded, events, { ...command.context, occurredAt: now.toISOString() });
        if (saved.state.status !== 'existing') throw new EndUserNotFound(command.endUserId);
        return endUserResponseFromState(saved.state.user);
      }),
    );
  }
}
