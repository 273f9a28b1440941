import { Command } from '@nestjs/cqrs';
import { RateLimits } from '../shared/rate-limit-rows';
import { RateLimitsResponse } from '../shared/rate-limits.response';

export class PutRateLimitsCommand extends Command<RateLimitsResponse> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly limits: RateLimits,
  ) {
    super();
  }
}
