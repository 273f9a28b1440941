import { Database } from '@app/persistence';
import { projectionStatuses } from '@app/projections';
import { CommandRunner, SubCommand } from 'nest-commander';
import { printJson } from '../print-json';

@SubCommand({ name: 'status', description: "Each projection's position, lag behind the head of the event store and last rebuild" })
export class ProjectionsStatusCommand extends CommandRunner {
  constructor(private readonly db: Database) {
    super();
  }

  async run(): Promise<void> {
    printJson({ projections: await projectionStatuses(this.db) });
  }
}
