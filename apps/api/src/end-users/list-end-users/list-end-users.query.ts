import { Query } from '@nestjs/cqrs';
import { Page } from '../../pagination/page-query.dto';
import { EndUserResponse } from '../shared/end-user.response';

export class ListEndUsersQuery extends Query<Page<EndUserResponse>> {
  constructor(
    readonly platformId: string,
    readonly page: number,
    readonly limit: number,
    readonly externalId?: string,
  ) {
    super();
  }
}
