import { Query } from '@nestjs/cqrs';
import { RateLimitRow } from '../shared/rate-limit-rows';

/** The override of a user, or null when it has none; 404 when the user does not exist. */
export class GetRateLimitsQuery extends Query<RateLimitRow | null> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
  ) {
    super();
  }
}
