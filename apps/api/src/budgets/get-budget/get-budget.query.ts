import { Query } from '@nestjs/cqrs';
import { BudgetResponse } from '../shared/budget.response';

export class GetBudgetQuery extends Query<BudgetResponse> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
  ) {
    super();
  }
}
