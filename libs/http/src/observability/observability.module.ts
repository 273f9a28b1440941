import { APP_CONFIG, AppConfig } from '@app/config';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { loggingParams } from './logging';
import { MetricsHttpController } from './metrics.http.controller';

/** JSON logging and the /metrics endpoint for one app. */
@Module({})
export class ObservabilityModule {
  static forApp(service: string): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => loggingParams(config, service) })],
      controllers: [MetricsHttpController],
    };
  }
}
