import { Database } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { requireEndUser } from '../../end-users/shared/require-end-user';
import { putRateLimits } from '../shared/rate-limit-rows';
import { RateLimitsResponse, rateLimitsResponse } from '../shared/rate-limits.response';
import { PutRateLimitsCommand } from './put-rate-limits.command';

@CommandHandler(PutRateLimitsCommand)
export class PutRateLimitsHandler implements ICommandHandler<PutRateLimitsCommand, RateLimitsResponse> {
  constructor(private readonly db: Database) {}

  execute(command: PutRateLimitsCommand): Promise<RateLimitsResponse> {
    return this.db.transaction(async (sql) => {
      await requireEndUser(sql, command.platformId, command.endUserId, true);
      return rateLimitsResponse(await putRateLimits(sql, command.platformId, command.endUserId, command.limits));
    });
  }
}
