import { decide, EndUserNotFound } from '@app/end-users';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EndUserResponse, endUserResponseFromState } from '../shared/end-user.response';
import { EndUserRepository } from '../shared/end-user-repository';
import { Versioned } from '../shared/stream-version';
import { UpdateEndUserCommand } from './update-end-user.command';

/**
 * Without If-Match every accepted PATCH becomes its own event (a lost race is retried on fresh
 * state); with it, the PATCH applies only to the version the client saw.
 */
@CommandHandler(UpdateEndUserCommand)
export class UpdateEndUserHandler implements ICommandHandler<UpdateEndUserCommand, Versioned<EndUserResponse>> {
  constructor(private readonly endUsers: EndUserRepository) {}

  async execute({ platformId, endUserId, changes, context, expectedVersion }: UpdateEndUserCommand): Promise<Versioned<EndUserResponse>> {
    const { state, version } = await this.endUsers.handle(
      { platformId, endUserId },
      (current, now) => decide({ type: 'UpdateEndUser', data: { endUserId, platformId, changes, now } }, current),
      { context, expectedVersion },
    );
    if (state.status !== 'existing') throw new EndUserNotFound(endUserId);
    return { body: endUserResponseFromState(state.user), version };
  }
}
