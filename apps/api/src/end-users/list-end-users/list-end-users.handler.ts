import { Database } from '@app/persistence';
import { listEndUsers } from '@app/projections';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '../../pagination/page-query.dto';
import { EndUserResponse, endUserResponseFromRow } from '../shared/end-user.response';
import { ListEndUsersQuery } from './list-end-users.query';

@QueryHandler(ListEndUsersQuery)
export class ListEndUsersHandler implements IQueryHandler<ListEndUsersQuery, Page<EndUserResponse>> {
  constructor(private readonly db: Database) {}

  async execute(query: ListEndUsersQuery): Promise<Page<EndUserResponse>> {
    const { rows, total } = await listEndUsers(this.db, query.platformId, query.page, query.limit, query.externalId);
    return { data: rows.map(endUserResponseFromRow), total, page: query.page, limit: query.limit };
  }
}
