import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { Page, PageQuery } from '../../pagination/page-query.dto';
import { LedgerEntryResponse } from '../shared/budget.response';
import { ListBudgetTransactionsQuery } from './list-budget-transactions.query';

@Controller('v1/platforms/:platformId/end-users/:endUserId/budget/transactions')
@UseGuards(PlatformKeyGuard)
export class ListBudgetTransactionsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The ledger, newest first. */
  @Get()
  list(@Param('endUserId') endUserId: string, @Query() query: PageQuery, @CurrentPlatform() platform: PlatformPrincipal): Promise<Page<LedgerEntryResponse>> {
    return this.queryBus.execute(new ListBudgetTransactionsQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.page, query.limit));
  }
}
