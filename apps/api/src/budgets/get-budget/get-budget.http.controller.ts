import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { BudgetResponse } from '../shared/budget.response';
import { GetBudgetQuery } from './get-budget.query';

@Controller('v1/platforms/:platformId/end-users/:endUserId/budget')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('Budgets')
export class GetBudgetHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** 404 when the user has no budget (yet: an auto-budget appears once the worker provisioned it). */
  @Get()
  @ApiOperation({ operationId: 'getBudget', summary: "Get an end user's budget" })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: BudgetResponse, description: 'The budget.' })
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform, or it has no budget (yet: an auto-budget appears once provisioned).' })
  get(@Param('endUserId') endUserId: string, @CurrentPlatform() platform: PlatformPrincipal): Promise<BudgetResponse> {
    return this.queryBus.execute(new GetBudgetQuery(platform.platformId, requireUuid(endUserId, 'endUserId')));
  }
}
