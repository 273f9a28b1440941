import { ApiError } from '@app/http';
import { Database } from '@app/persistence';
import { DataKeys } from '@app/personal-data';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '../../pagination/page-query.dto';
import { EndUserEventResponse, endUserEventResponse } from './end-user-event.response';
import { pageOfEndUserEvents, platformOfLiveEndUser } from './end-user-event-rows';
import { ListEndUserEventsQuery } from './list-end-user-events.query';

/**
 * A user's events, oldest first. Another platform's user and a missing one are 404, as on every
 * read. So is a deleted user (decision): the contract says a deleted user is gone from every read,
 * and its history is one of them; operators still have the events themselves.
 */
@QueryHandler(ListEndUserEventsQuery)
export class ListEndUserEventsHandler implements IQueryHandler<ListEndUserEventsQuery, Page<EndUserEventResponse>> {
  constructor(
    private readonly db: Database,
    private readonly dataKeys: DataKeys,
  ) {}

  async execute(query: ListEndUserEventsQuery): Promise<Page<EndUserEventResponse>> {
    const sql = this.db;
    const platformId = await platformOfLiveEndUser(sql, query.endUserId);
    if (platformId !== query.platformId) throw ApiError.notFound('End user');
    const [{ events, total }, cipher] = await Promise.all([
      pageOfEndUserEvents(sql, query.endUserId, query.page, query.limit),
      this.dataKeys.cipherOf(sql, query.endUserId),
    ]);
    return { data: events.map((event) => endUserEventResponse(event, platformId, cipher)), total, page: query.page, limit: query.limit };
  }
}
