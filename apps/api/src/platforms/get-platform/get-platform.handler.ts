import { ApiError } from '@app/http';
import { sqlOfDataSource } from '@app/persistence';

import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { findPlatform, PlatformResponse, platformResponse } from '@app/platforms';
import { GetPlatformQuery } from './get-platform.query';

@QueryHandler(GetPlatformQuery)
export class GetPlatformHandler implements IQueryHandler<GetPlatformQuery, PlatformResponse> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: GetPlatformQuery): Promise<PlatformResponse> {
    const row = await findPlatform(sqlOfDataSource(this.dataSource), query.platformId);
    if (!row) throw ApiError.notFound('Platform');
    return platformResponse(row);
  }
}
