import { AppConfig, loadConfig } from '@app/config';
import { createDataSource } from '@app/persistence';
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** The validated configuration and the one bounded connection pool of the process. */
@Global()
@Module({
  providers: [
    { provide: APP_CONFIG, useFactory: () => loadConfig() },
    {
      provide: DataSource,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => createDataSource(config, 'end-users-api').initialize(),
    },
  ],
  exports: [APP_CONFIG, DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
