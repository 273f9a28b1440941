import { Controller, Get, HttpException, Res } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { BrokerHealthIndicator } from './broker.health';
import { DatabaseHealthIndicator } from './database.health';

/** Liveness (the process answers) and readiness (its dependencies answer), in terminus's shape. */
@Controller('health')
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly broker: BrokerHealthIndicator,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult | object> {
    try {
      return await this.health.check([() => this.database.check(), () => this.broker.check()]);
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      res.status(error.getStatus());
      return error.getResponse() as object;
    }
  }
}
