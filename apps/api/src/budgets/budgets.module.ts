import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GetBudgetHandler } from './get-budget/get-budget.handler';
import { GetBudgetHttpController } from './get-budget/get-budget.http.controller';
import { ListBudgetTransactionsHandler } from './list-budget-transactions/list-budget-transactions.handler';
import { ListBudgetTransactionsHttpController } from './list-budget-transactions/list-budget-transactions.http.controller';

@Module({
  imports: [CqrsModule],
  controllers: [GetBudgetHttpController, ListBudgetTransactionsHttpController],
  providers: [GetBudgetHandler, ListBudgetTransactionsHandler],
})
export class BudgetsModule {}
