import { decide } from '@app/end-users';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EndUserStreams, isOwnLiveUser } from '../shared/end-user-streams';
import { requireVersion, writeAtVersion } from '../shared/stream-version';
import { DeleteEndUserCommand } from './delete-end-user.command';

/**
 * Appends EndUserDeleted, removes the read rows (so the user is gone and its keys fail at once) and
 * frees the external id, all in one transaction. The rest of the cascade is the worker's.
 */
@CommandHandler(DeleteEndUserCommand)
export class DeleteEndUserHandler implements ICommandHandler<DeleteEndUserCommand, void> {
  constructor(private readonly streams: EndUserStreams) {}

  execute(command: DeleteEndUserCommand): Promise<void> {
    return writeAtVersion(
      command.expectedVersion,
      () =>
        this.streams.write(async (sql) => {
          const loaded = await this.streams.load(sql, command.endUserId);
          requireVersion(loaded.version, command.expectedVersion, isOwnLiveUser(loaded.state, command.platformId));
          const now = new Date();
          const events = decide({ type: 'DeleteEndUser', data: { endUserId: command.endUserId, platformId: command.platformId, now } }, loaded.state);
          await this.streams.save(sql, command.endUserId, loaded, events, { ...command.context, occurredAt: now.toISOString() });
          await sql.query('DELETE FROM end_user_external_ids WHERE end_user_id = $1', [command.endUserId]);
        }),
      () => this.streams.currentVersion(command.endUserId),
    );
  }
}
