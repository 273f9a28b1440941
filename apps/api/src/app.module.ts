import { HealthModule } from '@app/http';
import { ErrorEnvelopeFilter, StrictValidationPipe, UndeclaredQueryInterceptor } from '@app/http';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from './auth/auth.module';
import { BudgetsModule } from './budgets/budgets.module';
import { McpConnectionsModule } from './mcp-connections/mcp-connections.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { EndUsersModule } from './end-users/end-users.module';
import { ObservabilityModule } from '@app/http';
import { DatabaseModule } from '@app/persistence';
import { OperationalMetrics } from './infrastructure/operational-metrics';
import { SecretsModule } from './infrastructure/secrets.module';
import { OutboxRelayHost } from './infrastructure/outbox-relay.host';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { MeModule } from './me/me.module';
import { PlatformsModule } from './platforms/platforms.module';

@Module({
  imports: [
    CqrsModule.forRoot(),
    DatabaseModule.forApp('end-users-api'),
    ObservabilityModule.forApp('end-users-api'),
    AuthModule,
    EndUsersModule,
    PlatformsModule,
    MeModule,
    BudgetsModule,
    RateLimitsModule,
    McpConnectionsModule,
    HealthModule,
    SecretsModule,
    IdempotencyModule,
  ],
  providers: [
    OutboxRelayHost,
    OperationalMetrics,
    { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
    { provide: APP_PIPE, useClass: StrictValidationPipe },
    { provide: APP_INTERCEPTOR, useClass: UndeclaredQueryInterceptor },
  ],
})
export class AppModule {}
