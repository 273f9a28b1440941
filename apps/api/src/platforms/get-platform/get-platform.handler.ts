import { ApiError } from '@app/http';
import { Database } from '@app/persistence';

import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { findPlatform, PlatformResponse, platformResponse } from '@app/platforms';
import { GetPlatformQuery } from './get-platform.query';

@QueryHandler(GetPlatformQuery)
export class GetPlatformHandler implements IQueryHandler<GetPlatformQuery, PlatformResponse> {
  constructor(private readonly db: Database) {}

  async execute(query: GetPlatformQuery): Promise<PlatformResponse> {
    const row = await findPlatform(this.db, query.platformId);
    if (!row) throw ApiError.notFound('Platform');
    return platformResponse(row);
  }
}
