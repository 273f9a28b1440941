import { ApiError } from '@app/http';
import { Database } from '@app/persistence';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { BudgetResponse, budgetResponse } from '../shared/budget.response';
import { findBudgetOfEndUser } from '../shared/budget-rows';
import { GetBudgetQuery } from './get-budget.query';

@QueryHandler(GetBudgetQuery)
export class GetBudgetHandler implements IQueryHandler<GetBudgetQuery, BudgetResponse> {
  constructor(private readonly db: Database) {}

  async execute(query: GetBudgetQuery): Promise<BudgetResponse> {
    const { user, budget } = await findBudgetOfEndUser(this.db, query.platformId, query.endUserId);
    if (!user) throw ApiError.notFound('End user');
    if (!budget) throw ApiError.notFound('Budget');
    return budgetResponse(budget);
  }
}
