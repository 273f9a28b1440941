import { Controller, Get, HttpException, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { BrokerHealthIndicator } from './broker.health';
import { DatabaseHealthIndicator } from './database.health';

const INDICATORS = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true },
};
const readiness = (status: 'ok' | 'error', example: object) => ({
  schema: {
    type: 'object',
    required: ['status', 'details'],
    properties: { status: { type: 'string', enum: [status] }, info: INDICATORS, error: INDICATORS, details: INDICATORS },
    example,
  },
});

/** Liveness (the process answers) and readiness (its dependencies answer), in terminus's shape. */
@Controller('health')
@ApiTags('Operations')
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly broker: BrokerHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness', description: 'The process answers. Needs no key.', security: [] })
  @ApiOkResponse({
    description: 'Alive.',
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } }, example: { status: 'ok' } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'Readiness',
    description: 'PostgreSQL and the Kafka broker answer (each checked with a timeout). Needs no key.',
    security: [],
  })
  @ApiOkResponse({
    description: 'Ready.',
    ...readiness('ok', {
      status: 'ok',
      info: { database: { status: 'up' }, broker: { status: 'up', brokers: 1 } },
      error: {},
      details: { database: { status: 'up' }, broker: { status: 'up', brokers: 1 } },
    }),
  })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down; `error` names it.',
    ...readiness('error', {
      status: 'error',
      info: { database: { status: 'up' } },
      error: { broker: { status: 'down', message: 'Kafka did not answer within 3000 ms' } },
      details: { database: { status: 'up' }, broker: { status: 'down', message: 'Kafka did not answer within 3000 ms' } },
    }),
  })
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
