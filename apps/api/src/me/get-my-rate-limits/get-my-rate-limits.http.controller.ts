import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { CurrentEndUser } from '../../auth/current-principal.decorator';
import { EndUserKeyGuard } from '../../auth/end-user-key.guard';
import { EndUserPrincipal } from '../../auth/principal';
import { ApiErrorResponses, ApiSelfServiceRoutes } from '../../openapi/openapi.decorators';
import { GetRateLimitsQuery } from '../../rate-limits/get-rate-limits/get-rate-limits.query';

/** The limits that apply to the caller; `null` means no limit of that kind is set. */
export class MyRateLimitsResponse {
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, description: 'Requests per minute.', example: 60 })
  rpm_limit!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, description: 'Tokens per minute.', example: 100000 })
  tpm_limit!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, description: 'Requests per day.', example: null })
  rpd_limit!: number | null;

  @ApiProperty({
    enum: ['explicit', 'none'],
    description: '`explicit` when the platform set an override for this user, `none` otherwise.',
    example: 'explicit',
  })
  resolution!: 'explicit' | 'none';
}

@Controller('v1/me/rate-limits')
@UseGuards(EndUserKeyGuard)
@ApiSelfServiceRoutes()
export class GetMyRateLimitsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The limits that apply to the caller: its override ("explicit") or none. */
  @Get()
  @ApiOperation({ operationId: 'getMyRateLimits', summary: 'Get my rate limits' })
  @ApiOkResponse({ type: MyRateLimitsResponse, description: 'The limits that apply to the caller.' })
  @ApiErrorResponses({ 404: 'not_found: the end user was deleted while the request ran.' })
  async get(@CurrentEndUser() endUser: EndUserPrincipal): Promise<MyRateLimitsResponse> {
    const row = await this.queryBus.execute(new GetRateLimitsQuery(endUser.platformId, endUser.endUserId));
    if (!row) return { rpm_limit: null, tpm_limit: null, rpd_limit: null, resolution: 'none' };
    return { rpm_limit: row.rpm_limit, tpm_limit: row.tpm_limit, rpd_limit: row.rpd_limit, resolution: 'explicit' };
  }
}
