import { HealthModule } from '@app/http';
import { ErrorEnvelopeFilter } from '@app/http';
import { ObservabilityModule } from '@app/http';
import { DatabaseModule } from '@app/persistence';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EndUserEventsConsumer } from './consumers/end-user-events.consumer';
import { ConsumerLagMetrics } from './consumers/consumer-lag.metrics';
import { EventProcessor } from './consumers/event-processor';
import { CleanUpWhenEndUserDeleted } from './reactions/clean-up-when-end-user-deleted';
import { ProvisionBudgetWhenEndUserCreated } from './reactions/provision-budget-when-end-user-created';

@Module({
  imports: [DatabaseModule.forApp('end-users-worker'), ObservabilityModule.forApp('end-users-worker'), HealthModule],
  providers: [
    ProvisionBudgetWhenEndUserCreated,
    CleanUpWhenEndUserDeleted,
    EventProcessor,
    EndUserEventsConsumer,
    ConsumerLagMetrics,
    { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
  ],
})
export class WorkerModule {}
