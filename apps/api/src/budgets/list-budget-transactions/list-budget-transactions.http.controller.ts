import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { Page, PageQuery } from '../../pagination/page-query.dto';
import { PageResponse } from '../../pagination/page.response';
import { LedgerEntryResponse } from '../shared/budget.response';
import { ListBudgetTransactionsQuery } from './list-budget-transactions.query';

const LedgerEntryPage = PageResponse(LedgerEntryResponse, 'LedgerEntryPage');

@Controller('v1/platforms/:platformId/end-users/:endUserId/budget/transactions')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('Budgets')
export class ListBudgetTransactionsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The ledger, newest first. */
  @Get()
  @ApiOperation({
    operationId: 'listBudgetTransactions',
    summary: "List an end user's budget ledger",
    description: 'Every budget mutation, newest first; empty when the user has no budget.',
  })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: LedgerEntryPage, description: 'A page of ledger rows, newest first.' })
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform.' })
  list(@Param('endUserId') endUserId: string, @Query() query: PageQuery, @CurrentPlatform() platform: PlatformPrincipal): Promise<Page<LedgerEntryResponse>> {
    return this.queryBus.execute(new ListBudgetTransactionsQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.page, query.limit));
  }
}
