import { Controller, Get, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentEndUser } from '../../auth/current-principal.decorator';
import { EndUserKeyGuard } from '../../auth/end-user-key.guard';
import { EndUserPrincipal } from '../../auth/principal';
import { GetBudgetQuery } from '../../budgets/get-budget/get-budget.query';
import { BudgetResponse } from '../../end-users/shared/end-user.response';

@Controller('v1/me/budget')
@UseGuards(EndUserKeyGuard)
export class GetMyBudgetHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The caller's own budget, also when suspended; 404 when it has none. */
  @Get()
  get(@CurrentEndUser() endUser: EndUserPrincipal): Promise<BudgetResponse> {
    return this.queryBus.execute(new GetBudgetQuery(endUser.platformId, endUser.endUserId));
  }
}
