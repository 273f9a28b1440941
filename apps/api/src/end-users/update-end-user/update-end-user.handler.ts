import { decide, EndUserNotFound } from '@app/end-users';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EndUserResponse, endUserResponseFromState } from '../shared/end-user.response';
import { EndUserStreams, isOwnLiveUser } from '../shared/end-user-streams';
import { requireVersion, Versioned, writeAtVersion } from '../shared/stream-version';
import { UpdateEndUserCommand } from './update-end-user.command';

/**
 * Without If-Match every accepted PATCH becomes its own event (a lost race is retried on fresh
 * state); with it, the PATCH applies only to the version the client saw.
 */
@CommandHandler(UpdateEndUserCommand)
export class UpdateEndUserHandler implements ICommandHandler<UpdateEndUserCommand, Versioned<EndUserResponse>> {
  constructor(private readonly streams: EndUserStreams) {}

  execute(command: UpdateEndUserCommand): Promise<Versioned<EndUserResponse>> {
    return writeAtVersion(
      command.expectedVersion,
      () =>
        this.streams.write(async (sql) => {
          const loaded = await this.streams.load(sql, command.endUserId);
          requireVersion(loaded.version, command.expectedVersion, isOwnLiveUser(loaded.state, command.platformId));
          const now = new Date();
          const events = decide(
            { type: 'UpdateEndUser', data: { endUserId: command.endUserId, platformId: command.platformId, changes: command.changes, now } },
            loaded.state,
          );
          const saved = await this.streams.save(sql, command.endUserId, loaded, events, { ...command.context, occurredAt: now.toISOString() });
          if (saved.state.status !== 'existing') throw new EndUserNotFound(command.endUserId);
          return { body: endUserResponseFromState(saved.state.user), version: saved.version };
        }),
      () => this.streams.currentVersion(command.endUserId),
    );
  }
}
