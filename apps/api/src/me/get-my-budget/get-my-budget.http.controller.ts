import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentEndUser } from '../../auth/current-principal.decorator';
import { EndUserKeyGuard } from '../../auth/end-user-key.guard';
import { EndUserPrincipal } from '../../auth/principal';
import { GetBudgetQuery } from '../../budgets/get-budget/get-budget.query';
import { BudgetResponse } from '../../budgets/shared/budget.response';
import { ApiErrorResponses, ApiSelfServiceRoutes } from '../../openapi/openapi.decorators';

@Controller('v1/me/budget')
@UseGuards(EndUserKeyGuard)
@ApiSelfServiceRoutes()
export class GetMyBudgetHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The caller's own budget, also when suspended; 404 when it has none. */
  @Get()
  @ApiOperation({ operationId: 'getMyBudget', summary: 'Get my budget', description: "The calling end user's budget, also when it is suspended." })
  @ApiOkResponse({ type: BudgetResponse, description: "The caller's budget." })
  @ApiErrorResponses({ 404: 'not_found: the end user has no budget (yet: an auto-budget appears once provisioned).' })
  get(@CurrentEndUser() endUser: EndUserPrincipal): Promise<BudgetResponse> {
    return this.queryBus.execute(new GetBudgetQuery(endUser.platformId, endUser.endUserId));
  }
}
