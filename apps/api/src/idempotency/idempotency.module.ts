import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ClaimReleaser } from './claim-releaser';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency-store';
import { IdempotencySweeper } from './idempotency-sweeper';

@Module({
  providers: [IdempotencyStore, ClaimReleaser, IdempotencySweeper, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
  exports: [IdempotencyStore],
})
export class IdempotencyModule {}
