import { projectionStatuses } from '@app/projections';
import { CliCommand } from '../cli-command';

export const projectionsStatusCommand: CliCommand = {
  path: ['projections', 'status'],
  description: "Each projection's position, lag behind the head of the event store and last rebuild",
  async run({ database, dataKeys, printJson }) {
    printJson({ projections: await projectionStatuses(database, dataKeys) });
  },
};
