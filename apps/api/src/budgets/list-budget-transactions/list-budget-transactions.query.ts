import { Query } from '@nestjs/cqrs';
import { Page } from '../../pagination/page-query.dto';
import { LedgerEntryResponse } from '../shared/budget.response';

export class ListBudgetTransactionsQuery extends Query<Page<LedgerEntryResponse>> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly page: number,
    readonly limit: number,
  ) {
    super();
  }
}
