import { ApiError } from '@app/http';
import { Database } from '@app/persistence';
import { findEndUser } from '@app/projections';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '../../pagination/page-query.dto';
import { listLedger } from '../shared/budget-rows';
import { LedgerEntryResponse, ledgerEntryResponse } from '../shared/budget.response';
import { ListBudgetTransactionsQuery } from './list-budget-transactions.query';

@QueryHandler(ListBudgetTransactionsQuery)
export class ListBudgetTransactionsHandler implements IQueryHandler<ListBudgetTransactionsQuery, Page<LedgerEntryResponse>> {
  constructor(private readonly db: Database) {}

  async execute(query: ListBudgetTransactionsQuery): Promise<Page<LedgerEntryResponse>> {
    const sql = this.db;
    if (!(await findEndUser(sql, query.platformId, query.endUserId))) throw ApiError.notFound('End user');
    const { rows, total } = await listLedger(sql, query.endUserId, query.page, query.limit);
    return { data: rows.map(ledgerEntryResponse), total, page: query.page, limit: query.limit };
  }
}
