import { decide } from '@app/end-users';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EndUserRepository } from '../shared/end-user-repository';
import { DeleteEndUserCommand } from './delete-end-user.command';

/**
 * Appends EndUserDeleted; in its transaction the read rows go (so the user is gone and its keys fail
 * at once) and the external id is freed. The rest of the cascade is the worker's.
 */
@CommandHandler(DeleteEndUserCommand)
export class DeleteEndUserHandler implements ICommandHandler<DeleteEndUserCommand, void> {
  constructor(private readonly endUsers: EndUserRepository) {}

  async execute({ platformId, endUserId, context, expectedVersion }: DeleteEndUserCommand): Promise<void> {
    await this.endUsers.handle({ platformId, endUserId }, (current, now) => decide({ type: 'DeleteEndUser', data: { endUserId, platformId, now } }, current), {
      context,
      expectedVersion,
    });
  }
}
