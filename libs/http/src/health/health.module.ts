import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrokerHealthIndicator } from './broker.health';
import { DatabaseHealthIndicator } from './database.health';
import { HealthHttpController } from './health.http.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthHttpController],
  providers: [DatabaseHealthIndicator, BrokerHealthIndicator],
})
export class HealthModule {}
