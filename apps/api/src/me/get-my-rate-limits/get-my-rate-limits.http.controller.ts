import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentEndUser } from '../../auth/current-principal.decorator';
import { EndUserKeyGuard } from '../../auth/end-user-key.guard';
import { EndUserPrincipal } from '../../auth/principal';
import { GetRateLimitsQuery } from '../../rate-limits/get-rate-limits/get-rate-limits.query';

export interface MyRateLimitsResponse {
  rpm_limit: number | null;
  tpm_limit: number | null;
  rpd_limit: number | null;
  resolution: 'explicit' | 'none';
}

@Controller('v1/me/rate-limits')
@UseGuards(EndUserKeyGuard)
export class GetMyRateLimitsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The limits that apply to the caller: its override ("explicit") or none. */
  @Get()
  async get(@CurrentEndUser() endUser: EndUserPrincipal): Promise<MyRateLimitsResponse> {
    const row = await this.queryBus.execute(new GetRateLimitsQuery(endUser.platformId, endUser.endUserId));
    if (!row) return { rpm_limit: null, tpm_limit: null, rpd_limit: null, resolution: 'none' };
    return { rpm_limit: row.rpm_limit, tpm_limit: row.tpm_limit, rpd_limit: row.rpd_limit, resolution: 'explicit' };
  }
}
