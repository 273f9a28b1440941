import { decide, EndUserNotFound } from '@app/end-users';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EndUserResponse, endUserResponseFromState } from '../shared/end-user.response';
import { EndUserStreams } from '../shared/end-user-streams';
import { retryOnConflict } from '../shared/retry-on-conflict';
import { UpdateEndUserCommand } from './update-end-user.command';

/** Without a client version every accepted PATCH becomes its own event: a race is retried on fresh state. */
@CommandHandler(UpdateEndUserCommand)
export class UpdateEndUserHandler implements ICommandHandler<UpdateEndUserCommand, EndUserResponse> {
  constructor(private readonly streams: EndUserStreams) {}

  execute(command: UpdateEndUserCommand): Promise<EndUserResponse> {
    return retryOnConflict(() =>
      this.streams.write(async (sql) => {
        const loaded = await this.streams.load(sql, command.endUserId);
        const now = new Date();
        const events = decide(
          { type: 'UpdateEndUser', data: { endUserId: command.endUserId, platformId: command.platformId, changes: command.changes, now } },
          loaded.state,
        );
        const saved = await this.streams.save(sql, command.endUserId, loaded, events, { ...command.context, occurredAt: now.toISOString() });
        if (saved.state.status !== 'existing') throw new EndUserNotFound(command.endUserId);
        return endUserResponseFromState(saved.state.user);
      }),
    );
  }
}
