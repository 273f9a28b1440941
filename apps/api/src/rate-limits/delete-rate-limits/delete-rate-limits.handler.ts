import { ApiError } from '@app/http';
import { Database } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { requireEndUser } from '../../end-users/shared/require-end-user';
import { deleteRateLimits } from '../shared/rate-limit-rows';
import { DeleteRateLimitsCommand } from './delete-rate-limits.command';

@CommandHandler(DeleteRateLimitsCommand)
export class DeleteRateLimitsHandler implements ICommandHandler<DeleteRateLimitsCommand, void> {
  constructor(private readonly db: Database) {}

  async execute(command: DeleteRateLimitsCommand): Promise<void> {
    const sql = this.db;
    if (await deleteRateLimits(sql, command.platformId, command.endUserId)) return;
    await requireEndUser(sql, command.platformId, command.endUserId);
    throw ApiError.notFound('Rate-limit override');
  }
}
