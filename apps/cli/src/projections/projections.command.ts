import { Command, CommandRunner } from 'nest-commander';
import { ProjectionsStatusCommand } from './projections-status.command';
import { RebuildProjectionsCommand } from './rebuild-projections.command';

@Command({ name: 'projections', description: 'Inspect and rebuild read models', subCommands: [RebuildProjectionsCommand, ProjectionsStatusCommand] })
export class ProjectionsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
