import { APP_CONFIG, AppConfig, loadConfig } from '@app/config';
import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database';

/** The validated configuration and the one bounded connection pool of a process. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly database: Database) {}

  static forApp(applicationName: string, overrides: Partial<AppConfig> = {}): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: APP_CONFIG, useFactory: () => loadConfig() },
        { provide: Database, inject: [APP_CONFIG], useFactory: (config: AppConfig) => Database.connect({ ...config, ...overrides }, applicationName) },
      ],
      exports: [APP_CONFIG, Database],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
