import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GetMeHttpController } from './get-me/get-me.http.controller';
import { GetMyBudgetHttpController } from './get-my-budget/get-my-budget.http.controller';
import { GetMyRateLimitsHttpController } from './get-my-rate-limits/get-my-rate-limits.http.controller';

@Module({
  imports: [CqrsModule],
  controllers: [GetMeHttpController, GetMyBudgetHttpController, GetMyRateLimitsHttpController],
})
export class MeModule {}
