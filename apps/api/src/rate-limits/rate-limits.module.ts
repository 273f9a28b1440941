import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DeleteRateLimitsHandler } from './delete-rate-limits/delete-rate-limits.handler';
import { DeleteRateLimitsHttpController } from './delete-rate-limits/delete-rate-limits.http.controller';
import { GetRateLimitsHandler } from './get-rate-limits/get-rate-limits.handler';
import { GetRateLimitsHttpController } from './get-rate-limits/get-rate-limits.http.controller';
import { PutRateLimitsHandler } from './put-rate-limits/put-rate-limits.handler';
import { PutRateLimitsHttpController } from './put-rate-limits/put-rate-limits.http.controller';

@Module({
  imports: [CqrsModule],
  controllers: [PutRateLimitsHttpController, GetRateLimitsHttpController, DeleteRateLimitsHttpController],
  providers: [PutRateLimitsHandler, GetRateLimitsHandler, DeleteRateLimitsHandler],
})
export class RateLimitsModule {}
