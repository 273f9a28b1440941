import { sqlOfDataSource } from '@app/persistence';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { requireEndUser } from '../../end-users/shared/require-end-user';
import { findRateLimits, RateLimitRow } from '../shared/rate-limit-rows';
import { GetRateLimitsQuery } from './get-rate-limits.query';

@QueryHandler(GetRateLimitsQuery)
export class GetRateLimitsHandler implements IQueryHandler<GetRateLimitsQuery, RateLimitRow | null> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: GetRateLimitsQuery): Promise<RateLimitRow | null> {
    const sql = sqlOfDataSource(this.dataSource);
    const row = await findRateLimits(sql, query.platformId, query.endUserId);
    if (!row) await requireEndUser(sql, query.platformId, query.endUserId);
    return row;
  }
}
