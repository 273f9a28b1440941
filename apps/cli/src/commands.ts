import { CliCommand } from './cli-command';
import { rewrapDataKeysCommand } from './data-keys/rewrap-data-keys.command';
import { sealLegacyEventsCommand } from './data-keys/seal-legacy-events.command';
import { republishEventsCommand } from './events/republish-events.command';
import { createPlatformKeyCommand } from './platforms/create-platform-key.command';
import { createPlatformCommand } from './platforms/create-platform.command';
import { projectionsStatusCommand } from './projections/projections-status.command';
import { rebuildProjectionsCommand } from './projections/rebuild-projections.command';

/** Every operator command, in the order `--help` lists them. A new command is one file, listed here. */
export const COMMANDS: readonly CliCommand[] = [
  createPlatformCommand,
  createPlatformKeyCommand,
  rebuildProjectionsCommand,
  projectionsStatusCommand,
  republishEventsCommand,
  rewrapDataKeysCommand,
  sealLegacyEventsCommand,
];

/** The groups commands sit under, by path. */
export const COMMAND_GROUPS: Readonly<Record<string, string>> = {
  platforms: 'Manage platforms and their keys',
  'platforms keys': 'Manage platform keys',
  projections: 'Inspect and rebuild read models',
  events: 'Work with the event store',
  'data-keys': "Manage the end users' data keys",
};
