import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { BudgetResponse } from '../../end-users/shared/end-user.response';
import { GetBudgetQuery } from './get-budget.query';

@Controller('v1/platforms/:platformId/end-users/:endUserId/budget')
@UseGuards(PlatformKeyGuard)
export class GetBudgetHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** 404 when the user has no budget (yet: an auto-budget appears once the worker provisioned it). */
  @Get()
  get(@Param('endUserId') endUserId: string, @CurrentPlatform() platform: PlatformPrincipal): Promise<BudgetResponse> {
    return this.queryBus.execute(new GetBudgetQuery(platform.platformId, requireUuid(endUserId, 'endUserId')));
  }
}
