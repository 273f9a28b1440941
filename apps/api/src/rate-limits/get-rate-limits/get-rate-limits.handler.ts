import { Database } from '@app/persistence';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { requireEndUser } from '../../end-users/shared/require-end-user';
import { findRateLimits, RateLimitRow } from '../shared/rate-limit-rows';
import { GetRateLimitsQuery } from './get-rate-limits.query';

@QueryHandler(GetRateLimitsQuery)
export class GetRateLimitsHandler implements IQueryHandler<GetRateLimitsQuery, RateLimitRow | null> {
  constructor(private readonly db: Database) {}

  async execute(query: GetRateLimitsQuery): Promise<RateLimitRow | null> {
    const sql = this.db;
    const row = await findRateLimits(sql, query.platformId, query.endUserId);
    if (!row) await requireEndUser(sql, query.platformId, query.endUserId);
    return row;
  }
}
