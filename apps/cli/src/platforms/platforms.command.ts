import { Command, CommandRunner } from 'nest-commander';
import { PlatformKeysCommand } from './create-platform-key.command';
import { CreatePlatformCommand } from './create-platform.command';

@Command({ name: 'platforms', description: 'Manage platforms and their keys', subCommands: [CreatePlatformCommand, PlatformKeysCommand] })
export class PlatformsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
