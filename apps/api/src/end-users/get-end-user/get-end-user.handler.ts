import { endUserStreamId } from '@app/end-users';
import { readStream } from '@app/event-store';
import { ApiError } from '@app/http';
import { Database } from '@app/persistence';
import { DataKeys } from '@app/personal-data';
import { findEndUser } from '@app/projections';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EndUserResponse, endUserResponseFromRow, endUserResponseFromState } from '../shared/end-user.response';
import { Versioned } from '../shared/stream-version';
import { endUserAsOf } from './end-user-as-of';
import { GetEndUserQuery } from './get-end-user.query';

@QueryHandler(GetEndUserQuery)
export class GetEndUserHandler implements IQueryHandler<GetEndUserQuery, Versioned<EndUserResponse>> {
  constructor(
    private readonly db: Database,
    private readonly dataKeys: DataKeys,
  ) {}

  async execute(query: GetEndUserQuery): Promise<Versioned<EndUserResponse>> {
    const sql = this.db;
    if (query.asOf !== null) {
      // Audit path: a user's stream is short (its create, patches and repeat creates), so it is read whole.
      const [stream, cipher] = await Promise.all([readStream(sql, endUserStreamId(query.endUserId)), this.dataKeys.cipherOf(sql, query.endUserId)]);
      const user = endUserAsOf(stream, cipher, query.platformId, query.asOf);
      if (!user) throw ApiError.notFound('End user');
      return { body: endUserResponseFromState(user), version: null };
    }
    // Hot path: one indexed read of the projection.
    const row = await findEndUser(sql, query.platformId, query.endUserId);
    if (!row) throw ApiError.notFound('End user');
    return { body: endUserResponseFromRow(row), version: row.stream_version };
  }
}
