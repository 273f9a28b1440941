import { Query } from '@nestjs/cqrs';
import { EndUserResponse } from '../shared/end-user.response';
import { Versioned } from '../shared/stream-version';

export class GetEndUserQuery extends Query<Versioned<EndUserResponse>> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    /** When set, the user as it was at that instant, folded from its events. */
    readonly asOf: Date | null = null,
  ) {
    super();
  }
}
