import { Query } from '@nestjs/cqrs';
import { Page } from '../../pagination/page-query.dto';
import { EndUserEventResponse } from './end-user-event.response';

export class ListEndUserEventsQuery extends Query<Page<EndUserEventResponse>> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly page: number,
    readonly limit: number,
  ) {
    super();
  }
}
