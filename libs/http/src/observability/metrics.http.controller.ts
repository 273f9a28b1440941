import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { metricsRegistry } from './metrics';

@Controller('metrics')
@ApiTags('Operations')
export class MetricsHttpController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @ApiOperation({ operationId: 'metrics', summary: 'Prometheus metrics', description: 'The Prometheus text exposition format. Needs no key.', security: [] })
  @ApiProduces(metricsRegistry.contentType)
  @ApiOkResponse({ description: 'The current metrics.', schema: { type: 'string', example: '# HELP http_request_duration_seconds ...' } })
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
