import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { Page } from '../../pagination/page-query.dto';
import { EndUserEventResponse } from './end-user-event.response';
import { ListEndUserEventsQuery } from './list-end-user-events.query';
import { ListEndUserEventsRequest } from './list-end-user-events.request.dto';

/** The user's event history for audit and support. */
@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
export class ListEndUserEventsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':endUserId/events')
  list(@Param('endUserId') endUserId: string, @Query() query: ListEndUserEventsRequest, @CurrentPlatform() platform: PlatformPrincipal): Promise<Page<EndUserEventResponse>> {
    return this.queryBus.execute(new ListEndUserEventsQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.page, query.limit));
  }
}
