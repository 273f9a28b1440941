import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPlatform } from '../../auth/current-principal.decorator';
import { PlatformKeyGuard } from '../../auth/platform-key.guard';
import { PlatformPrincipal } from '../../auth/principal';
import { requireUuid } from '../../auth/uuid';
import { ApiEndUserIdParam, ApiErrorResponses, ApiPlatformRoutes } from '../../openapi/openapi.decorators';
import { Page } from '../../pagination/page-query.dto';
import { PageResponse } from '../../pagination/page.response';
import { EndUserEventResponse } from './end-user-event.response';
import { ListEndUserEventsQuery } from './list-end-user-events.query';
import { ListEndUserEventsRequest } from './list-end-user-events.request.dto';

const EndUserEventPage = PageResponse(EndUserEventResponse, 'EndUserEventPage');

/** The user's event history for audit and support. */
@Controller('v1/platforms/:platformId/end-users')
@UseGuards(PlatformKeyGuard)
@ApiPlatformRoutes('End users')
export class ListEndUserEventsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':endUserId/events')
  @ApiOperation({
    operationId: 'listEndUserEvents',
    summary: "List an end user's event history",
    description:
      'Oldest first: who changed what and when, as the public integration events describe it (never key material). A deleted user has no readable history (404).',
  })
  @ApiEndUserIdParam()
  @ApiOkResponse({ type: EndUserEventPage, description: "A page of the user's events, oldest first." })
  @ApiErrorResponses({ 404: 'not_found: no such end user on this platform (also a deleted one).' })
  list(
    @Param('endUserId') endUserId: string,
    @Query() query: ListEndUserEventsRequest,
    @CurrentPlatform() platform: PlatformPrincipal,
  ): Promise<Page<EndUserEventResponse>> {
    return this.queryBus.execute(new ListEndUserEventsQuery(platform.platformId, requireUuid(endUserId, 'endUserId'), query.page, query.limit));
  }
}
