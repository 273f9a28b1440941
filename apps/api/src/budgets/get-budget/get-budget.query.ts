import { Query } from '@nestjs/cqrs';
import { BudgetResponse } from '../../end-users/shared/end-user.response';

export class GetBudgetQuery extends Query<BudgetResponse> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
  ) {
    super();
  }
}
