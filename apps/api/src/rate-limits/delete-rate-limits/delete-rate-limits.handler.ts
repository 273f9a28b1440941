import { ApiError } from '@app/http';
import { sqlOfDataSource } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { requireEndUser } from '../../end-users/shared/require-end-user';
import { deleteRateLimits } from '../shared/rate-limit-rows';
import { DeleteRateLimitsCommand } from './delete-rate-limits.command';

@CommandHandler(DeleteRateLimitsCommand)
export class DeleteRateLimitsHandler implements ICommandHandler<DeleteRateLimitsCommand, void> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(command: DeleteRateLimitsCommand): Promise<void> {
    const sql = sqlOfDataSource(this.dataSource);
    if (await deleteRateLimits(sql, command.platformId, command.endUserId)) return;
    await requireEndUser(sql, command.platformId, command.endUserId);
    throw ApiError.notFound('Rate-limit override');
  }
}
