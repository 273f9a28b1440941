import { ApiError } from '@app/http';
import { sqlOfDataSource } from '@app/persistence';
import { findEndUser } from '@app/read-models';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { EndUserResponse, endUserResponseFromRow } from '../shared/end-user.response';
import { GetEndUserQuery } from './get-end-user.query';

@QueryHandler(GetEndUserQuery)
export class GetEndUserHandler implements IQueryHandler<GetEndUserQuery, EndUserResponse> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: GetEndUserQuery): Promise<EndUserResponse> {
    const row = await findEndUser(sqlOfDataSource(this.dataSource), query.platformId, query.endUserId);
    if (!row) throw ApiError.notFound('End user');
    return endUserResponseFromRow(row);
  }
}
