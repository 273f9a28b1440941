import { loadConfig } from '@app/config';
import { Database } from '@app/persistence';
import { Module } from '@nestjs/common';
import { CreatePlatformKeyCommand, PlatformKeysCommand } from './platforms/create-platform-key.command';
import { CreatePlatformCommand } from './platforms/create-platform.command';
import { PlatformsCommand } from './platforms/platforms.command';
import { EventsCommand } from './events/events.command';
import { RepublishEventsCommand } from './events/republish-events.command';
import { ProjectionsCommand } from './projections/projections.command';
import { ProjectionsStatusCommand } from './projections/projections-status.command';
import { RebuildProjectionsCommand } from './projections/rebuild-projections.command';

@Module({
  providers: [
    {
      provide: Database,
      // Operator commands (rebuilds build indexes on large tables) run without a statement deadline.
      useFactory: () => Database.connect({ ...loadConfig(), DB_POOL_MAX: 2, DB_STATEMENT_TIMEOUT_MS: 0 }, 'end-users-cli'),
    },
    PlatformsCommand,
    PlatformKeysCommand,
    CreatePlatformCommand,
    CreatePlatformKeyCommand,
    ProjectionsCommand,
    RebuildProjectionsCommand,
    ProjectionsStatusCommand,
    EventsCommand,
    RepublishEventsCommand,
  ],
})
export class CliModule {}
