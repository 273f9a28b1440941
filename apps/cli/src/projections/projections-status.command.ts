import { poolOf } from '@app/persistence';
import { projectionStatuses } from '@app/projections';
import { CommandRunner, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { printJson } from '../print-json';

@SubCommand({ name: 'status', description: "Each projection's position, lag behind the head of the event store and last rebuild" })
export class ProjectionsStatusCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(): Promise<void> {
    printJson({ projections: await projectionStatuses(poolOf(this.dataSource)) });
  }
}
